import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_POLICY } from '@qa-broker/contract';
import type { PostgresStore } from '../src/index.js';
import { POSTGRES_URL, openScratchPostgresStore } from './support/postgres-server.js';

const NOW = 1_800_000_000_000;
const TTL = 60_000;

/** What the queue leaves in the tables: waiter rows and queued-grant leases. */
describe('wait queue rows on PostgreSQL', () => {
  let store: PostgresStore;
  let client: pg.Client;

  beforeAll(async () => {
    store = await openScratchPostgresStore({ poolSize: 4 });
    client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await store?.close();
  });

  async function waiterRows(kind: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from "${store.schema}".waiters where kind = $1`,
      [kind],
    );
    return rows[0]!.n;
  }

  async function kindWithHolder() {
    const kind = `rows-${randomBytes(4).toString('hex')}`;
    const credentialId = `${kind}-c0`;
    await store.addCredential({
      credentialId,
      kind,
      payload: { pieces: ['{"fake":"a"}', '{"fake":"b"}'], byteLength: 24 },
      status: 'active',
      actorId: 'admin',
      nowMs: NOW,
    });
    const holder = await store.acquire({
      kind,
      ownerId: 'holder',
      actorRole: 'ci',
      leaseToken: 'fake-holder',
      leaseTtlMs: TTL,
      nowMs: NOW,
    });
    expect(holder.ok).toBe(true);
    return { kind, credentialId };
  }

  function ask(kind: string, ticket: string, nowMs: number) {
    return store.acquire({
      kind,
      ownerId: 'job',
      actorRole: 'ci',
      leaseToken: `fake-${nowMs}`,
      leaseTtlMs: TTL,
      nowMs,
      wait: {
        ticketId: ticket,
        priority: 0,
        brokerId: 'broker-rows',
        sealedToken: 'sealed(fake)',
        queueMax: WAIT_POLICY.queueMax,
      },
    });
  }

  const release = (
    kind: string,
    credentialId: string,
    ownerId: string,
    token: string,
    nowMs: number,
  ) => store.release({ kind, credentialId, ownerId, actorRole: 'ci', leaseToken: token, nowMs });

  it('an undelivered grant answers LEASE_NOT_OWNER to every token, and stores no token', async () => {
    const { kind, credentialId } = await kindWithHolder();
    const ticket = createHash('sha256').update('rows-a').digest('hex');
    expect(await ask(kind, ticket, NOW + 1)).toMatchObject({ code: 'WAITING' });
    expect(await release(kind, credentialId, 'holder', 'fake-holder', NOW + 2)).toEqual({
      ok: true,
      released: true,
    });
    const { rows } = await client.query(
      `select lease_owner_id, lease_token, lease_waiter_id, lease_expires_at_ms::float8 as expires
       from "${store.schema}".credentials where credential_id = $1`,
      [credentialId],
    );
    expect(rows[0]).toEqual({
      lease_owner_id: 'job',
      lease_token: null,
      lease_waiter_id: ticket,
      expires: NOW + 2 + WAIT_POLICY.ticketGraceMs,
    });
    for (const token of ['', 'fake-anything']) {
      expect(
        await store.heartbeat({
          kind,
          credentialId,
          ownerId: 'job',
          leaseToken: token,
          leaseTtlMs: TTL,
          nowMs: NOW + 3,
        }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
      expect(await release(kind, credentialId, 'job', token, NOW + 3)).toEqual({
        ok: false,
        code: 'LEASE_NOT_OWNER',
      });
      expect(
        await store.readPayloadChunk({
          kind,
          credentialId,
          ownerId: 'job',
          actorRole: 'ci',
          leaseToken: token,
          index: 0,
          nowMs: NOW + 3,
        }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
    }
  });

  it('the lease constraint still refuses a lease with neither token nor waiter', async () => {
    const { credentialId } = await kindWithHolder();
    await expect(
      client.query(
        `update "${store.schema}".credentials set lease_token = null where credential_id = $1`,
        [credentialId],
      ),
    ).rejects.toThrow(/credentials_lease_complete/);
  });

  it('the kind goes back to v1 (no waiter rows) once its last ticket lease is released', async () => {
    const { kind, credentialId } = await kindWithHolder();
    const ticket = createHash('sha256').update('rows-b').digest('hex');
    await ask(kind, ticket, NOW + 1);
    await release(kind, credentialId, 'holder', 'fake-holder', NOW + 2);
    const granted = await ask(kind, ticket, NOW + 3);
    expect(granted).toMatchObject({ ok: true, lease: { credentialId, waitedMs: 1 } });
    expect(await waiterRows(kind)).toBe(1);
    expect(await release(kind, credentialId, 'job', `fake-${NOW + 3}`, NOW + 4)).toEqual({
      ok: true,
      released: true,
    });
    expect(await waiterRows(kind)).toBe(0);
  });

  it('a ticket lease left to expire is swept by a later step, and the kind goes back to v1', async () => {
    const { kind, credentialId } = await kindWithHolder();
    const ticket = createHash('sha256').update('rows-c').digest('hex');
    await ask(kind, ticket, NOW + 1);
    await release(kind, credentialId, 'holder', 'fake-holder', NOW + 2);
    expect(await ask(kind, ticket, NOW + 3)).toMatchObject({ ok: true });
    // Long after the lease ran out, an old client asks: its step sweeps the dead entry.
    const later = NOW + 3 + TTL + 1;
    const polled = await store.acquire({
      kind,
      ownerId: 'old',
      actorRole: 'ci',
      leaseToken: 'fake-old',
      leaseTtlMs: TTL,
      nowMs: later,
    });
    expect(polled).toMatchObject({ ok: true, lease: { credentialId, fencingToken: 3 } });
    expect(await waiterRows(kind)).toBe(0);
  });
});
