import type { StoreTarget } from '../stores/targets.ts';

export interface BrokerChildConfig {
  target: StoreTarget;
  secrets: { maintainer: string; ci: string };
  logPath: string;
}

/** The config travels in one env var, so nothing lands on a command line visible in ps. */
export const BROKER_CHILD_ENV = 'QA_BROKER_BENCH_CHILD';

export function brokerChildEnv(config: BrokerChildConfig): Record<string, string> {
  return { [BROKER_CHILD_ENV]: JSON.stringify(config) };
}

export function readBrokerChildConfig(env: NodeJS.ProcessEnv): BrokerChildConfig {
  const raw = env[BROKER_CHILD_ENV];
  if (raw === undefined)
    throw new Error(`${BROKER_CHILD_ENV} is not set: this entry is started by the bench.`);
  return JSON.parse(raw) as BrokerChildConfig;
}
