import { describe, expect, it } from 'vitest';
import { perCycle } from '../src/stores/pg-stats.ts';
import type { PgCounters } from '../src/stores/pg-stats.ts';

const wal = (records: number, bytes: number, syncs: number) => ({
  records,
  fpi: 0,
  bytes,
  writes: syncs,
  syncs,
});

describe('perCycle', () => {
  it('divides the counter differences by the cycles run, per statement by queryid', () => {
    const statement = (calls: number, planMs: number) => ({
      label: 'acquire',
      calls,
      planMs,
      execMs: calls * 0.2,
      walRecords: calls * 12,
      walBytes: calls * 1_300,
      blocksDirtied: 0,
    });
    const before: PgCounters = {
      wal: wal(1_000, 100_000, 10),
      statements: new Map([
        ['1', statement(50, 5)],
        ['2', { ...statement(3, 1), label: 'migration' }],
      ]),
    };
    const after: PgCounters = {
      wal: wal(1_000 + 24 * 100, 100_000 + 2_500 * 100, 10 + 60),
      statements: new Map([
        ['1', statement(150, 6)],
        ['2', { ...statement(4, 1), label: 'migration' }],
      ]),
    };
    const stats = perCycle(before, after, 100, {
      pool: 1_000,
      concurrency: 64,
      sharedServer: false,
    });
    expect(stats).toMatchObject({ walRecords: 24, walBytes: 2_500, walSyncs: 0.6, cycles: 100 });
    // The statement run once in 100 cycles is not per-cycle work.
    expect(stats.statements).toHaveLength(1);
    expect(stats.statements?.[0]).toMatchObject({
      label: 'acquire',
      callsPerCycle: 1,
      planMsPerCycle: 0.01,
      walRecordsPerCycle: 12,
    });
  });

  it('reports no statements when pg_stat_statements could not be read', () => {
    const counters: PgCounters = { wal: wal(0, 0, 0), statements: null };
    expect(
      perCycle(counters, counters, 10, { pool: 10, concurrency: 1, sharedServer: true }).statements,
    ).toBeNull();
  });
});
