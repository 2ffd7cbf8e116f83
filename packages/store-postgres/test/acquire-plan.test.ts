import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireSql } from '../src/queries/acquire.js';
import { quoteSchema } from '../src/schema-name.js';
import {
  POSTGRES_URL,
  openScratchPostgresStore,
  randomSchemaName,
} from './support/postgres-server.js';
import type { PostgresStore } from '../src/index.js';

const NOW = 1_800_000_000_000;
const POOL = 100_000;

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
 * The cost rule: acquire is O(log n), never a scan of the pool. 100,000 credentials of one
 * kind, half of them leased — and the leased half sorts FIRST by last_leased_at, the case
 * where an index on (kind, last_leased_at, seq) alone would step over 50,000 live leases.
 * The assertions are on plan shape and rows touched, never on timing.
 */
describe('acquire plan with 100,000 credentials of one kind, half leased', () => {
  let store: PostgresStore;
  let client: pg.Client;
  const schema = randomSchemaName('plan');

  beforeAll(async () => {
    store = await openScratchPostgresStore({ schema });
    client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`
      insert into "${schema}".credentials
        (credential_id, kind, status, payload_pieces, payload_chunk_count, payload_byte_length,
         created_at_ms, updated_at_ms, last_leased_at_ms, fencing_counter,
         lease_owner_id, lease_actor_role, lease_token, lease_acquired_at_ms, lease_heartbeat_at_ms, lease_expires_at_ms)
      select 'cred-' || lpad(i::text, 7, '0'), 'bench', 'active', array['{"fake":"x"}'], 1, 12,
        0, 0,
        case when i % 2 = 0 then 1000 + i else 500000 + i end,
        1,
        case when i % 2 = 0 then 'owner' end,
        case when i % 2 = 0 then 'ci' end,
        case when i % 2 = 0 then 'fake-token-' || i end,
        case when i % 2 = 0 then ${NOW} - 1000 end,
        case when i % 2 = 0 then ${NOW} - 1000 end,
        case when i % 2 = 0 then ${NOW} + 3600000 end
      from generate_series(1, ${POOL}) i`);
    await client.query(`analyze "${schema}".credentials`);
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
  });

  async function explainAcquire(nowMs: number): Promise<PlanNode[]> {
    // ANALYZE executes the statement, so run it in a transaction and roll it back.
    await client.query('begin');
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (analyze, format json) ${acquireSql(quoteSchema(schema))}`,
        ['bench', 'owner-x', 'ci', 'fake-token-x', 60_000, nowMs],
      );
      return flatten(rows[0]!['QUERY PLAN'][0].Plan);
    } finally {
      await client.query('rollback');
    }
  }

  /** Plan nodes that read the credentials table or one of its indexes. */
  function credentialReads(nodes: PlanNode[]): PlanNode[] {
    return nodes.filter(
      (node) =>
        (node['Relation Name'] === 'credentials' && node['Node Type'] !== 'ModifyTable') ||
        node['Index Name']?.startsWith('credentials_'),
    );
  }

  function rowsRead(node: PlanNode): number {
    return (
      (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) +
      (node['Rows Removed by Filter'] ?? 0)
    );
  }

  it('never scans the table: each probe is an index range that yields at most one row', async () => {
    const reads = credentialReads(await explainAcquire(NOW));
    expect(reads.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    const indexes = new Set(
      reads.flatMap((node) => (node['Index Name'] ? [node['Index Name']] : [])),
    );
    expect([...indexes].sort()).toEqual([
      'credentials_free_idx',
      'credentials_leased_idx',
      'credentials_pkey',
    ]);
    for (const node of reads) expect(rowsRead(node)).toBeLessThanOrEqual(1);
  });

  it('reads only the expired leases, not the live ones, once some have expired', async () => {
    // 10 of the 50,000 leases expired; the leased probe must touch those 10 and nothing else.
    await client.query(
      `update "${schema}".credentials set lease_expires_at_ms = ${NOW} - 1 where credential_id in (select credential_id from "${schema}".credentials where lease_token is not null order by credential_id limit 10)`,
    );
    try {
      const reads = credentialReads(await explainAcquire(NOW));
      expect(reads.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      expect(Math.max(...reads.map(rowsRead))).toBeLessThanOrEqual(10);
    } finally {
      await client.query(
        `update "${schema}".credentials set lease_expires_at_ms = ${NOW} + 3600000 where lease_expires_at_ms = ${NOW} - 1`,
      );
    }
  });

  it('really grants the least recently leased free credential at that size', async () => {
    const result = await store.acquire({
      kind: 'bench',
      ownerId: 'owner-x',
      actorRole: 'ci',
      leaseToken: 'fake-token-x',
      leaseTtlMs: 60_000,
      nowMs: NOW,
    });
    // Free rows are the odd ones (last leased at 500000 + i): the first is cred-0000001.
    expect(result).toMatchObject({ ok: true, lease: { credentialId: 'cred-0000001' } });
  });
});
