import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneEventsSql } from '../src/queries/prune-events.js';
import { quoteSchema } from '../src/schema-name.js';
import type { PostgresStore } from '../src/index.js';
import {
  POSTGRES_URL,
  openScratchPostgresStore,
  randomSchemaName,
} from './support/postgres-server.js';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/**
 * pruneEvents after 0003 (no (category, time) index): 100,000 lease events and 100
 * admin events, the admin ones spread among the lease ones. A batch must come from
 * indexes in time order, never from a scan of the table, and read about one batch.
 */
describe('pruneEvents plan with 100,000 lease events and 100 admin events', () => {
  let store: PostgresStore;
  let client: pg.Client;
  const schema = randomSchemaName('prune');

  beforeAll(async () => {
    store = await openScratchPostgresStore({ schema });
    client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`
      insert into "${schema}".events (category, event_type, kind, actor_role, owner_id, credential_id, occurred_at_ms)
      select case when i % 1000 = 0 then 'admin' else 'lease' end,
        case when i % 1000 = 0 then 'add' else 'acquire' end,
        'bench', 'ci', 'owner', 'cred-' || (i % 50), ${NOW - 30 * DAY}::bigint + i * 1000
      from generate_series(1::bigint, 100000) i`);
    await client.query(`analyze "${schema}".events`);
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
  });

  it('takes each category oldest first from an index, reading about one batch', async () => {
    await client.query('begin');
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (analyze, format json) ${pruneEventsSql(quoteSchema(schema))}`,
        [7 * DAY, 7 * DAY, 500, NOW],
      );
      const nodes = flatten(rows[0]!['QUERY PLAN'][0].Plan);
      const reads = nodes.filter(
        (node) => node['Relation Name'] === 'events' && node['Node Type'] !== 'ModifyTable',
      );
      expect(reads.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      const indexes = new Set(reads.flatMap((node) => node['Index Name'] ?? []));
      expect(indexes.has('events_time_idx')).toBe(true);
      expect(indexes.has('events_admin_time_idx')).toBe(true);
      const read = reads.reduce(
        (sum, node) =>
          sum +
          (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) +
          (node['Rows Removed by Filter'] ?? 0),
        0,
      );
      // The batch (500) plus the admin events the lease walk passes (about 1 in 1,000)
      // plus the admin batch, at most; far from the 100,000 rows a scan would read.
      expect(read).toBeLessThan(1_500);
    } finally {
      await client.query('rollback');
    }
  });
});
