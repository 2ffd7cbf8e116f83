import { ratio } from '../measure/stats.ts';
import { FIRST_BROKER_CONCURRENCY } from '../scenarios/first-broker.ts';
import type { CycleFigures, PoolResults, RatioRow, StoreResults } from './results.ts';

export const SCALE_FROM_POOL = 1_000;
export const SCALE_TO_POOL = 100_000;

const at = (cells: CycleFigures[], concurrency: number): number | undefined =>
  cells.find((cell) => cell.concurrency === concurrency)?.cyclesPerS.median;

/** Every ratio the issue asks for, computed from medians. */
export function computeRatios(stores: StoreResults[], httpFloor: CycleFigures[]): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const { store, pools, storeFloor } of stores) {
    for (const pool of pools) {
      for (const cell of pool.broker) {
        const c = cell.concurrency;
        if (storeFloor !== undefined)
          rows.push({
            store,
            name: 'broker ÷ store floor',
            pool: pool.pool,
            concurrency: c,
            value: ratio(cell.cyclesPerS.median, at(storeFloor, c)),
          });
        rows.push({
          store,
          name: 'broker ÷ raw store',
          pool: pool.pool,
          concurrency: c,
          value: ratio(cell.cyclesPerS.median, at(pool.raw, c)),
        });
        rows.push({
          store,
          name: 'broker ÷ HTTP floor',
          pool: pool.pool,
          concurrency: c,
          value: ratio(cell.cyclesPerS.median, at(httpFloor, c)),
        });
      }
      if (pool.firstBroker !== undefined)
        rows.push({
          store,
          name: 'ours ÷ first-broker selection (raw store)',
          pool: pool.pool,
          concurrency: FIRST_BROKER_CONCURRENCY,
          value: ratio(at(pool.raw, FIRST_BROKER_CONCURRENCY), pool.firstBroker.cyclesPerS.median),
        });
    }
    const from = pools.find((pool) => pool.pool === SCALE_FROM_POOL);
    const to = pools.find((pool) => pool.pool === SCALE_TO_POOL);
    if (from !== undefined && to !== undefined) rows.push(...scaleRows(store, from, to));
  }
  return rows;
}

function scaleRows(store: StoreResults['store'], from: PoolResults, to: PoolResults): RatioRow[] {
  const name = `pool ${SCALE_TO_POOL.toLocaleString('en-US')} ÷ pool ${SCALE_FROM_POOL.toLocaleString('en-US')}`;
  return [
    ...to.broker.map((cell) => ({
      store,
      name: `${name} (broker)`,
      pool: null,
      concurrency: cell.concurrency,
      value: ratio(cell.cyclesPerS.median, at(from.broker, cell.concurrency)),
    })),
    ...to.raw.map((cell) => ({
      store,
      name: `${name} (raw store)`,
      pool: null,
      concurrency: cell.concurrency,
      value: ratio(cell.cyclesPerS.median, at(from.raw, cell.concurrency)),
    })),
  ];
}

export function findRatio(
  rows: RatioRow[],
  store: string,
  name: string,
  pool: number | null,
  concurrency: number,
): number | null {
  return (
    rows.find(
      (row) =>
        row.store === store &&
        row.name === name &&
        row.pool === pool &&
        row.concurrency === concurrency,
    )?.value ?? null
  );
}
