import type { PgCycleStats, PgStatementStats } from '../report/results.ts';
import { newPgClient } from './clients.ts';

interface WalCounters {
  records: number;
  fpi: number;
  bytes: number;
  writes: number;
  syncs: number;
}

interface StatementCounters {
  label: string;
  calls: number;
  planMs: number;
  execMs: number;
  walRecords: number;
  walBytes: number;
  blocksDirtied: number;
}

export interface PgCounters {
  wal: WalCounters;
  /** By queryid; null when pg_stat_statements is not loaded. */
  statements: Map<string, StatementCounters> | null;
}

/** Names a statement of ours by a CTE only it has. */
function labelOf(query: string): string {
  if (query.includes('free_pick')) return 'acquire';
  if (query.includes('cleared as')) return 'release';
  if (query.includes('extended as')) return 'heartbeat';
  return query.replace(/\s+/g, ' ').trim().slice(0, 40);
}

/**
 * Reads the cluster's WAL counters and, when pg_stat_statements is loaded, the counters
 * of every statement on `schema`. Take one before and one after a run: the difference
 * divided by the cycles run is the work per cycle.
 */
export async function readPgCounters(url: string, schema: string): Promise<PgCounters> {
  const client = newPgClient(url);
  await client.connect();
  try {
    const walRow = (
      await client.query(
        'select wal_records, wal_fpi, wal_bytes::float8 as wal_bytes, wal_write, wal_sync from pg_stat_wal',
      )
    ).rows[0]!;
    const wal: WalCounters = {
      records: Number(walRow.wal_records),
      fpi: Number(walRow.wal_fpi),
      bytes: Number(walRow.wal_bytes),
      writes: Number(walRow.wal_write),
      syncs: Number(walRow.wal_sync),
    };
    let statements: Map<string, StatementCounters> | null = null;
    try {
      const { rows } = await client.query(
        `select queryid::text as id, query, calls, total_plan_time, total_exec_time, wal_records,
           wal_bytes::float8 as wal_bytes, shared_blks_dirtied
         from pg_stat_statements where query like $1`,
        [`%"${schema}".%`],
      );
      statements = new Map(
        rows.map((row) => [
          String(row.id),
          {
            label: labelOf(String(row.query)),
            calls: Number(row.calls),
            planMs: Number(row.total_plan_time),
            execMs: Number(row.total_exec_time),
            walRecords: Number(row.wal_records),
            walBytes: Number(row.wal_bytes),
            blocksDirtied: Number(row.shared_blks_dirtied),
          },
        ]),
      );
    } catch {
      // pg_stat_statements is not loaded (or not created): WAL figures only.
    }
    return { wal, statements };
  } finally {
    await client.end();
  }
}

/**
 * Whether pg_stat_statements can be read; on our private cluster it is created first
 * (a shared server is never altered).
 */
export async function enablePgStatStatements(url: string, create: boolean): Promise<boolean> {
  const client = newPgClient(url);
  await client.connect();
  try {
    if (create) await client.query('create extension if not exists pg_stat_statements');
    await client.query('select 1 from pg_stat_statements limit 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

export function perCycle(
  before: PgCounters,
  after: PgCounters,
  cycles: number,
  meta: { pool: number; concurrency: number; sharedServer: boolean },
): PgCycleStats {
  const per = (a: number, b: number) => (cycles === 0 ? 0 : (a - b) / cycles);
  let statements: PgStatementStats[] | null = null;
  if (before.statements !== null && after.statements !== null) {
    statements = [];
    for (const [id, end] of after.statements) {
      const start = before.statements.get(id);
      const calls = per(end.calls, start?.calls ?? 0);
      // Statements run a handful of times (migrations, populate) are not per-cycle work.
      if (calls < 0.5) continue;
      statements.push({
        label: end.label,
        callsPerCycle: calls,
        planMsPerCycle: per(end.planMs, start?.planMs ?? 0),
        execMsPerCycle: per(end.execMs, start?.execMs ?? 0),
        walRecordsPerCycle: per(end.walRecords, start?.walRecords ?? 0),
        walBytesPerCycle: per(end.walBytes, start?.walBytes ?? 0),
        blocksDirtiedPerCycle: per(end.blocksDirtied, start?.blocksDirtied ?? 0),
      });
    }
  }
  return {
    pool: meta.pool,
    concurrency: meta.concurrency,
    cycles,
    walRecords: per(after.wal.records, before.wal.records),
    walFullPageImages: per(after.wal.fpi, before.wal.fpi),
    walBytes: per(after.wal.bytes, before.wal.bytes),
    walWrites: per(after.wal.writes, before.wal.writes),
    walSyncs: per(after.wal.syncs, before.wal.syncs),
    statements,
    sharedServer: meta.sharedServer,
  };
}
