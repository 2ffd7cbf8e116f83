import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_POLICY } from '@qa-broker/contract';
import type { AcquireResult } from '@qa-broker/store';
import type { PostgresStore } from '../src/index.js';
import { acquireSql } from '../src/queries/acquire.js';
import { quoteSchema } from '../src/schema-name.js';
import { POSTGRES_URL, openScratchPostgresStore } from './support/postgres-server.js';

const NOW = 1_800_000_000_000;
const TTL = 60_000;

/** Settles within `ms`, or says it is still pending. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise, pending]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The per-kind queue lock, seen from outside: another session holds it shared or
 * exclusive, and the store's steps wait (or not) as the design says.
 */
describe('the per-kind queue lock on PostgreSQL', () => {
  let store: PostgresStore;
  let holder: pg.Client;

  beforeAll(async () => {
    store = await openScratchPostgresStore({ poolSize: 6 });
    holder = new pg.Client({ connectionString: POSTGRES_URL });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await store?.close();
  });

  async function kindWithCredentials(kind: string, count: number) {
    for (let i = 0; i < count; i++) {
      await store.addCredential({
        credentialId: `${kind}-c${i}`,
        kind,
        payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
        status: 'active',
        actorId: 'admin',
        nowMs: NOW,
      });
    }
  }

  async function holdLock(kind: string, mode: 'shared' | 'exclusive') {
    await holder.query('begin');
    await holder.query(
      `select ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(
         "${store.schema}".queue_lock_key($1))`,
      [kind],
    );
  }

  const v1 = (kind: string, owner: string): Promise<AcquireResult> =>
    store.acquire({
      kind,
      ownerId: owner,
      actorRole: 'ci',
      leaseToken: `fake-${owner}`,
      leaseTtlMs: TTL,
      nowMs: NOW,
    });

  const queued = (kind: string, ticketId: string): Promise<AcquireResult> =>
    store.acquire({
      kind,
      ownerId: 'job',
      actorRole: 'ci',
      leaseToken: 'fake-queued',
      leaseTtlMs: TTL,
      nowMs: NOW,
      wait: {
        ticketId,
        priority: 0,
        brokerId: 'broker-lock',
        sealedToken: 'sealed(fake)',
        queueMax: WAIT_POLICY.queueMax,
      },
    });

  it('v1 steps of a kind without waiters share the lock: they never wait for each other', async () => {
    const kind = 'lock-shared';
    await kindWithCredentials(kind, 2);
    await holdLock(kind, 'shared');
    try {
      expect(await within(v1(kind, 'a'), 2_000)).toMatchObject({ ok: true });
      // A queue step needs it exclusive: it waits for the shared holder to commit.
      const waiting = queued(kind, 'b'.repeat(64));
      expect(await within(waiting, 300)).toBe('pending');
      await holder.query('rollback');
      expect(await within(waiting, 2_000)).toMatchObject({ ok: true });
    } finally {
      await holder.query('rollback');
    }
  });

  it('a queue step holding the lock exclusive makes v1 steps of that kind wait, and only that kind', async () => {
    const kind = 'lock-exclusive';
    await kindWithCredentials(kind, 1);
    await kindWithCredentials('lock-other', 1);
    await holdLock(kind, 'exclusive');
    try {
      const blocked = v1(kind, 'a');
      expect(await within(blocked, 300)).toBe('pending');
      expect(await within(v1('lock-other', 'b'), 2_000)).toMatchObject({ ok: true });
      await holder.query('rollback');
      expect(await within(blocked, 2_000)).toMatchObject({ ok: true });
    } finally {
      await holder.query('rollback');
    }
  });

  it('the v1 acquire statement changes nothing on a kind with a waiter row: no lease, no event', async () => {
    const kind = 'lock-gated';
    await kindWithCredentials(kind, 1);
    await holder.query(
      `insert into "${store.schema}".waiters
         (kind, waiter_id, explicit, owner_id, actor_role, priority, first_at_ms, deadline_ms)
       values ($1, 'implicit:ci:someone', false, 'someone', 'ci', 0, $2, $3)`,
      [kind, NOW, NOW + 5_000],
    );
    const events = async () =>
      (
        await holder.query<{ n: number }>(
          `select count(*)::int as n from "${store.schema}".events where kind = $1 and category = 'lease'`,
          [kind],
        )
      ).rows[0]!.n;
    const { rows } = await holder.query<{ queue_free: boolean; credential_id: string | null }>(
      acquireSql(quoteSchema(store.schema)),
      [kind, 'v1-owner', 'ci', 'fake-v1', TTL, NOW],
    );
    expect(rows).toEqual([expect.objectContaining({ queue_free: false, credential_id: null })]);
    expect(await events()).toBe(0);
    const { rows: leases } = await holder.query(
      `select credential_id from "${store.schema}".credentials where kind = $1 and lease_owner_id is not null`,
      [kind],
    );
    expect(leases).toEqual([]);
  });
});
