import type { Dispatcher } from 'undici';
import type { BrokerProcess } from './broker-process.ts';
import type { Random } from './random.ts';
import type { Recorder } from './recorder.ts';

export const FAKE_SECRETS = {
  maintainer: 'fake-maintainer-secret-for-fault-tests',
  ci: 'fake-ci-secret-for-fault-tests',
} as const;

/** Everything the workers and faults share during one run. */
export interface RunContext {
  runId: string;
  random: Random;
  recorder: Recorder;
  brokers: BrokerProcess[];
  dispatcher: Dispatcher;
  kinds: readonly string[];
  /** Kinds only the waiting clients use (fair wait queue); also drained at the end. */
  queueKinds: readonly string[];
  /** Per-request timeout of the simulated clients. */
  requestTimeoutMs: number;
  /** Range of the lease TTLs clients ask for. */
  leaseTtlMs: { min: number; max: number };
  /** Stops the load. */
  signal: AbortSignal;
}

/** The broker a request goes to: any of them, at random (they share one store). */
export function anyBroker(ctx: RunContext): { index: number; url: string } {
  const broker = ctx.random.pick(ctx.brokers);
  return { index: broker.settings.index, url: broker.url };
}
