/** Rows of the PostgreSQL floor table: enough that 64 clients rarely meet on one. */
export const FLOOR_ROWS = 1_000;

export type StoreFloorConfig =
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string; schema: string; poolSize: number };

const ENV = 'QA_BROKER_BENCH_STORE_FLOOR';

export function storeFloorEnv(config: StoreFloorConfig): Record<string, string> {
  return { [ENV]: JSON.stringify(config) };
}

export function readStoreFloorConfig(env: NodeJS.ProcessEnv): StoreFloorConfig {
  const raw = env[ENV];
  if (raw === undefined) throw new Error(`${ENV} is not set: this entry is started by the bench.`);
  return JSON.parse(raw) as StoreFloorConfig;
}
