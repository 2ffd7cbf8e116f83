import type { StoreKind } from '../stores/targets.ts';
import { SCALE_FROM_POOL, SCALE_TO_POOL, findRatio } from './ratios.ts';
import { handoffTargets } from './handoff-report.ts';
import type { RatioRow, StoreResults, TargetRow, Verdict } from './results.ts';

/** The concurrency and pool the throughput targets are judged at. */
export const TARGET_CONCURRENCY = 64;
export const TARGET_POOL = SCALE_FROM_POOL;
const MB = 1024 * 1024;

interface Limits {
  minCyclesPerS?: number;
  minBrokerOverFloor?: number;
  minBrokerOverStoreFloor?: number;
  maxPeakRssMb?: number;
  minBrokerOverRaw?: number;
  maxOpenLoopP99Ms?: number;
  maxBytesPerCredential?: number;
}

const LIMITS: Record<StoreKind, Limits> = {
  redis: {
    minCyclesPerS: 3_000,
    minBrokerOverFloor: 0.5,
    minBrokerOverStoreFloor: 0.7,
    maxOpenLoopP99Ms: 10,
    maxBytesPerCredential: 1_024,
    maxPeakRssMb: 200,
  },
  postgres: {
    minCyclesPerS: 2_000,
    minBrokerOverRaw: 0.5,
    minBrokerOverStoreFloor: 0.6,
    maxOpenLoopP99Ms: 25,
    maxPeakRssMb: 200,
  },
  pglite: { maxPeakRssMb: 500 },
  // The deployments at scale are measured beside the single nodes, without targets of their own.
  'redis-cluster': {},
  'redis-cluster-wait1': {},
  'pgbouncer-1.18': {},
  'pgbouncer-1.24': {},
};

/** Every target of the issue with its measured value; verdicts only outside --quick. */
export function evaluateTargets(
  stores: StoreResults[],
  ratios: RatioRow[],
  quick: boolean,
): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const results of stores) {
    const { store } = results;
    const limits = LIMITS[store];
    const poolOf = (size: number) => results.pools.find((pool) => pool.pool === size);
    const targetPool = poolOf(TARGET_POOL);
    const add = (
      name: string,
      value: number | null | undefined,
      unit: string,
      comparison: '>=' | '<=',
      threshold: number,
    ): void => {
      const measured = value ?? null;
      const row: TargetRow = { store, name, value: measured, unit, comparison, threshold };
      if (!quick) row.verdict = verdictOf(measured, comparison, threshold);
      rows.push(row);
    };
    const where = `c=${TARGET_CONCURRENCY}, pool ${TARGET_POOL.toLocaleString('en-US')}`;
    if (limits.minCyclesPerS !== undefined)
      add(
        `broker cycles/s (${where})`,
        targetPool?.broker.find((cell) => cell.concurrency === TARGET_CONCURRENCY)?.cyclesPerS
          .median,
        'cycles/s',
        '>=',
        limits.minCyclesPerS,
      );
    if (limits.minBrokerOverFloor !== undefined)
      add(
        `broker ÷ HTTP floor (${where})`,
        findRatio(ratios, store, 'broker ÷ HTTP floor', TARGET_POOL, TARGET_CONCURRENCY),
        '×',
        '>=',
        limits.minBrokerOverFloor,
      );
    if (limits.minBrokerOverStoreFloor !== undefined)
      add(
        `broker ÷ store floor (${where})`,
        findRatio(ratios, store, 'broker ÷ store floor', TARGET_POOL, TARGET_CONCURRENCY),
        '×',
        '>=',
        limits.minBrokerOverStoreFloor,
      );
    if (limits.minBrokerOverRaw !== undefined)
      add(
        `broker ÷ raw store (${where})`,
        findRatio(ratios, store, 'broker ÷ raw store', TARGET_POOL, TARGET_CONCURRENCY),
        '×',
        '>=',
        limits.minBrokerOverRaw,
      );
    add(
      `pool ${SCALE_TO_POOL.toLocaleString('en-US')} ÷ pool ${SCALE_FROM_POOL.toLocaleString('en-US')} (broker, c=${TARGET_CONCURRENCY})`,
      findRatio(
        ratios,
        store,
        `pool ${SCALE_TO_POOL.toLocaleString('en-US')} ÷ pool ${SCALE_FROM_POOL.toLocaleString('en-US')} (broker)`,
        null,
        TARGET_CONCURRENCY,
      ),
      '×',
      '>=',
      0.8,
    );
    const heartbeat = results.pools.find((pool) => pool.heartbeat !== undefined)?.heartbeat;
    if (limits.maxOpenLoopP99Ms !== undefined) {
      add(
        'open loop at half max: acquire p99',
        heartbeat?.acquire.p99Ms.median,
        'ms',
        '<=',
        limits.maxOpenLoopP99Ms,
      );
      add(
        'open loop at half max: heartbeat p99',
        heartbeat?.heartbeat.p99Ms.median,
        'ms',
        '<=',
        limits.maxOpenLoopP99Ms,
      );
    }
    const bigPool = poolOf(SCALE_TO_POOL);
    if (limits.maxPeakRssMb !== undefined) {
      add(
        `broker peak RSS (64 clients, pool ${SCALE_TO_POOL.toLocaleString('en-US')})`,
        bigPool?.brokerMemory === undefined ? null : bigPool.brokerMemory.peakRssBytes / MB,
        'MB',
        '<=',
        limits.maxPeakRssMb,
      );
    }
    if (limits.maxBytesPerCredential !== undefined) {
      const measured = [...results.pools]
        .reverse()
        .find((pool) => pool.redisMemory !== undefined)?.redisMemory;
      add(
        `bytes per credential beyond payload (pool ${measured?.credentials.toLocaleString('en-US') ?? '?'})`,
        measured?.bytesPerCredential,
        'bytes',
        '<=',
        limits.maxBytesPerCredential,
      );
    }
    if (results.handoff !== undefined) rows.push(...handoffTargets(store, results.handoff, quick));
  }
  return rows;
}

export function verdictOf(
  value: number | null,
  comparison: '>=' | '<=',
  threshold: number,
): Verdict {
  if (value === null || !Number.isFinite(value)) return 'not measured';
  const met = comparison === '>=' ? value >= threshold : value <= threshold;
  return met ? 'met' : 'not met';
}
