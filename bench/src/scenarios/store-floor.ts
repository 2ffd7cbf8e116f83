import { randomBytes } from 'node:crypto';
import { storeFloorEnv, FLOOR_ROWS } from '../child/store-floor-config.ts';
import type { StoreFloorConfig } from '../child/store-floor-config.ts';
import { spawnChild } from '../child/spawn-child.ts';
import type { BenchOptions } from '../cli/options.ts';
import { makePool } from '../http/make-pool.ts';
import { runClosedLoop } from '../load/closed-loop.ts';
import { cpuMeter, serverProcessOf } from '../measure/cpu-meter.ts';
import { progress } from '../progress.ts';
import type { CycleFigures } from '../report/results.ts';
import { newPgClient } from '../stores/clients.ts';
import type { StoreKind } from '../stores/targets.ts';
import { repeat } from './repeat.ts';
import { floorCycle } from './steps.ts';
import { summarizeCycles } from './summarize.ts';

/** The pg adapter's default pool size, which the broker runs with too. */
const ADAPTER_POOL_SIZE = 10;

/**
 * The store floor of one store at every concurrency: two POSTs per cycle, as for the HTTP
 * floor, each with one store round trip. PGlite has no network round trip: no floor.
 */
export async function benchStoreFloor(
  kind: StoreKind,
  options: BenchOptions,
): Promise<CycleFigures[] | undefined> {
  // The floors are measured on the single nodes; the deployments at scale are compared with those.
  if (kind !== 'redis' && kind !== 'postgres') return undefined;
  const schema = `bench_floor_${randomBytes(5).toString('hex')}`;
  const config: StoreFloorConfig =
    kind === 'redis'
      ? { kind, url: options.redisUrl }
      : { kind, url: options.postgresUrl, schema, poolSize: ADAPTER_POOL_SIZE };
  if (config.kind === 'postgres') await createFloorTable(config.url, schema);
  try {
    const child = await spawnChild(
      new URL('../child/store-floor-entry.ts', import.meta.url),
      storeFloorEnv(config),
      `${kind} store floor`,
    );
    const pool = makePool(child.port, Math.max(...options.concurrency));
    try {
      const figures: CycleFigures[] = [];
      for (const concurrency of options.concurrency) {
        const runs = await repeat(options.runs, () =>
          runClosedLoop({
            concurrency,
            warmupMs: options.warmupMs,
            durationMs: options.durationMs,
            step: floorCycle(pool),
            cpuMeter: cpuMeter({ brokerPid: child.pid, server: serverProcessOf(kind) }),
          }),
        );
        const cell = summarizeCycles(concurrency, runs);
        progress(
          `${kind} store floor c=${concurrency}: ${Math.round(cell.cyclesPerS.median)} cycles/s (2 POSTs, 2 store round trips), p99 ${cell.cycleP99Ms.median} ms`,
        );
        figures.push(cell);
      }
      return figures;
    } finally {
      await pool.close();
      await child.stop();
    }
  } finally {
    if (config.kind === 'postgres') await dropSchema(config.url, schema);
  }
}

async function createFloorTable(url: string, schema: string): Promise<void> {
  const client = newPgClient(url);
  await client.connect();
  try {
    await client.query(`create schema "${schema}"`);
    await client.query(
      `create table "${schema}".floor (id integer primary key, n bigint not null)`,
    );
    await client.query(
      `insert into "${schema}".floor select g, 0 from generate_series(1, ${FLOOR_ROWS}) g`,
    );
  } finally {
    await client.end();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = newPgClient(url);
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
