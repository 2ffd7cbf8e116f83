import type { BenchOptions } from '../cli/options.ts';
import { progress } from '../progress.ts';
import type { StoreResults } from '../report/results.ts';
import { startService } from '../../../scripts/global-setup/start-service.ts';
import { serviceOf } from '../stores/targets.ts';
import type { StoreKind } from '../stores/targets.ts';
import { benchHandoff } from './bench-handoff.ts';
import { benchPool } from './bench-pool.ts';
import { benchStoreFloor } from './store-floor.ts';
import type { PoolPlan } from './bench-pool.ts';

export const CONTENTION_POOL = 10;
export const FIRST_BROKER_MIN_POOL = 1_000;

/** Which pools to build and what to run on each, from the selected scenarios. */
export function planPools(options: BenchOptions): PoolPlan[] {
  const cycles = options.scenarios.includes('cycles');
  const contention = options.scenarios.includes('contention');
  const heartbeat = options.scenarios.includes('heartbeat');
  const pools = new Set(options.pools);
  if (contention) pools.add(CONTENTION_POOL);
  const sorted = [...pools].sort((a, b) => a - b);
  // Heartbeats hold up to 1,000 leases while cycles run: the largest pool has room for both.
  const heartbeatPool = Math.max(...options.pools);
  return sorted
    .map((pool) => ({
      pool,
      cycles: cycles && options.pools.includes(pool),
      contention: contention && pool === CONTENTION_POOL,
      heartbeat: heartbeat && pool === heartbeatPool && pool >= 2,
      firstBroker: cycles && options.pools.includes(pool) && pool >= FIRST_BROKER_MIN_POOL,
    }))
    .filter((plan) => plan.cycles || plan.contention || plan.heartbeat);
}

export async function benchStore(kind: StoreKind, options: BenchOptions): Promise<StoreResults> {
  const results: StoreResults = { store: kind, pools: [] };
  // The cluster and the poolers are started when missing and stopped again afterwards.
  const service = serviceOf(kind);
  let stopService = () => undefined as void;
  try {
    if (service) stopService = startService(service.script, service.args)();
    if (options.scenarios.includes('cycles')) {
      const storeFloor = await benchStoreFloor(kind, options);
      if (storeFloor !== undefined) results.storeFloor = storeFloor;
    }
    for (const plan of planPools(options)) results.pools.push(await benchPool(kind, plan, options));
    if (options.scenarios.includes('handoff')) results.handoff = await benchHandoff(kind, options);
  } catch (error) {
    results.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    progress(`${kind}: FAILED — ${results.error}`);
  } finally {
    stopService();
  }
  return results;
}
