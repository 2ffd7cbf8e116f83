import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_POLICY } from '@qa-broker/contract';
import { openPostgresStore, type PostgresStore } from '../src/index.js';
import { acquireQuery } from '../src/queries/acquire.js';
import { quoteSchema } from '../src/schema-name.js';
import { POSTGRES_URL, openScratchPostgresStore } from './support/postgres-server.js';

const NOW = 1_800_000_000_000;
const TTL = 60_000;
const ADMIN = 'admin-health-rows';

/**
 * What health and policy leave in the tables (migration 0004), which the conformance suite
 * cannot see: pinned payload versions live exactly as long as their lease, the v1 acquire
 * stays on its shared path unless the kind has a quota, and dispatch's skip of waiters
 * over quota is bounded.
 */
describe('credential health and policy rows on PostgreSQL', () => {
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

  const newKind = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

  async function pinState(credentialId: string) {
    const versions = await client.query<{ n: number }>(
      `select count(*)::int as n from "${store.schema}".payload_versions where credential_id = $1`,
      [credentialId],
    );
    const row = await client.query<{ pinned: number | null; version: number }>(
      `select lease_payload_version as pinned, payload_version as version
       from "${store.schema}".credentials where credential_id = $1`,
      [credentialId],
    );
    return { versionRows: versions.rows[0]!.n, ...row.rows[0]! };
  }

  async function addOne(kind: string, pieces = ['{"fake":"v1-a', '"}']) {
    const credentialId = `${kind}-c0`;
    await store.addCredential({
      credentialId,
      kind,
      payload: { pieces, byteLength: pieces.join('').length },
      status: 'active',
      actorId: ADMIN,
      nowMs: NOW - 1_000,
    });
    return credentialId;
  }

  async function lease(kind: string, ownerId: string, nowMs: number) {
    const leaseToken = `fake-${ownerId}-${nowMs}`;
    const result = await store.acquire({
      kind,
      ownerId,
      actorRole: 'ci',
      leaseToken,
      leaseTtlMs: TTL,
      nowMs,
    });
    if (!result.ok) throw new Error(`expected a grant, got ${result.code}`);
    return { ...result.lease, ownerId, leaseToken };
  }

  function update(credentialId: string, pieces: string[], nowMs: number) {
    return store.updateCredential({
      credentialId,
      actorId: ADMIN,
      payload: { pieces, byteLength: pieces.join('').length },
      nowMs,
    });
  }

  it('an update while leased pins the old version; release drops the pin and its pieces', async () => {
    const kind = newKind('pin');
    const id = await addOne(kind);
    const held = await lease(kind, 'holder', NOW);
    await update(id, ['{"fake":"v2-a', '"}'], NOW + 1);
    expect(await pinState(id)).toEqual({ versionRows: 1, pinned: 1, version: 2 });
    // A second update keeps the lease on v1; v2 was never leased, so nothing keeps it.
    await update(id, ['{"fake":"v3-a', '"}'], NOW + 2);
    expect(await pinState(id)).toEqual({ versionRows: 1, pinned: 1, version: 3 });
    await store.release({
      kind,
      ownerId: 'holder',
      actorRole: 'ci',
      credentialId: id,
      leaseToken: held.leaseToken,
      nowMs: NOW + 3,
    });
    expect(await pinState(id)).toEqual({ versionRows: 0, pinned: null, version: 3 });
  });

  it('an update of a free credential pins nothing', async () => {
    const kind = newKind('free');
    const id = await addOne(kind);
    await update(id, ['{"fake":"v2"}'], NOW);
    expect(await pinState(id)).toEqual({ versionRows: 0, pinned: null, version: 2 });
  });

  it('a new grant over an expired pinned lease drops the old pieces', async () => {
    const kind = newKind('regrant');
    const id = await addOne(kind);
    await lease(kind, 'holder', NOW);
    await update(id, ['{"fake":"v2-a', '"}'], NOW + 1);
    expect((await pinState(id)).versionRows).toBe(1);
    const next = await lease(kind, 'next', NOW + TTL + 1);
    expect(next.fencingToken).toBe(2);
    expect(await pinState(id)).toEqual({ versionRows: 0, pinned: null, version: 2 });
  });

  it('disabling a credential whose pinned lease expired drops the old pieces', async () => {
    const kind = newKind('disable');
    const id = await addOne(kind);
    await lease(kind, 'holder', NOW);
    await update(id, ['{"fake":"v2-a', '"}'], NOW + 1);
    const disabled = await store.disableCredential({
      credentialId: id,
      actorId: ADMIN,
      nowMs: NOW + TTL + 1,
    });
    expect(disabled).toMatchObject({ ok: true, changed: true });
    expect(await pinState(id)).toEqual({ versionRows: 0, pinned: null, version: 2 });
  });

  it('the v1 acquire stays on its shared path with maxHoldMs only, and leaves it for a quota', async () => {
    const acquire = acquireQuery(quoteSchema(store.schema));
    const kind = newKind('gate');
    await addOne(kind);
    const input = {
      kind,
      ownerId: 'job',
      actorRole: 'ci' as const,
      leaseToken: 'fake-gate',
      leaseTtlMs: TTL,
      nowMs: NOW,
    };
    await store.setPolicy({ kind, patch: { maxHoldMs: 30_000 }, actorId: ADMIN, nowMs: NOW });
    expect(await acquire(client, input)).toMatchObject({
      ok: true,
      lease: { expiresAtMs: NOW + 30_000, maxExpiresAtMs: NOW + 30_000 },
    });
    await store.setPolicy({ kind, patch: { maxLeasesPerOwner: 1 }, actorId: ADMIN, nowMs: NOW });
    expect(await acquire(client, { ...input, nowMs: NOW + 1 })).toBe('QUEUED');
    await store.setPolicy({ kind, patch: { maxLeasesPerOwner: null }, actorId: ADMIN, nowMs: NOW });
    expect(await acquire(client, { ...input, nowMs: NOW + 2 })).toEqual({
      ok: false,
      code: 'POOL_EXHAUSTED',
    });
  });

  it('concurrent acquires from two stores under maxLeasesPerRole 3 grant exactly three', async () => {
    // A second broker on the same schema (its own pool), as two broker processes would be.
    const other = await openPostgresStore({
      connectionString: POSTGRES_URL,
      schema: store.schema,
      poolSize: 4,
    });
    try {
      const kind = newKind('race');
      for (let i = 0; i < 8; i++) {
        await store.addCredential({
          credentialId: `${kind}-c${i}`,
          kind,
          payload: { pieces: ['{"fake":1}'], byteLength: 10 },
          status: 'active',
          actorId: ADMIN,
          nowMs: NOW - 1_000,
        });
      }
      await store.setPolicy({
        kind,
        patch: { maxLeasesPerRole: { ci: 3 } },
        actorId: ADMIN,
        nowMs: NOW,
      });
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          (i % 2 === 0 ? store : other).acquire({
            kind,
            ownerId: `job-${i}`,
            actorRole: 'ci',
            leaseToken: `fake-race-${i}`,
            leaseTtlMs: TTL,
            nowMs: NOW + 1,
          }),
        ),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(3);
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from "${store.schema}".credentials
         where kind = $1 and lease_owner_id is not null`,
        [kind],
      );
      expect(rows[0]!.n).toBe(3);
    } finally {
      await other.close();
    }
  });

  it('dispatch examines at most scanLimit waiters: one behind 100 over-quota waiters waits', async () => {
    const kind = newKind('bound');
    await addOne(kind, ['{"fake":1}']);
    const holder = await lease(kind, 'holder', NOW);
    await store.setPolicy({
      kind,
      patch: { maxLeasesPerRole: { ci: 0 } },
      actorId: ADMIN,
      nowMs: NOW,
    });
    const ask = (label: string, actorRole: 'ci' | 'maintainer', nowMs: number) =>
      store.acquire({
        kind,
        ownerId: label,
        actorRole,
        leaseToken: `fake-${label}`,
        leaseTtlMs: TTL,
        nowMs,
        wait: {
          ticketId: createHash('sha256').update(`${kind}:${label}`).digest('hex'),
          priority: 0,
          brokerId: 'broker-bound',
          sealedToken: 'sealed(fake)',
          queueMax: WAIT_POLICY.queueMax,
        },
      });
    for (let i = 0; i < WAIT_POLICY.scanLimit; i++) {
      expect(await ask(`ci-${i}`, 'ci', NOW + 1)).toMatchObject({ code: 'WAITING' });
    }
    expect(await ask('maintainer', 'maintainer', NOW + 1)).toMatchObject({
      code: 'WAITING',
      queue: { position: WAIT_POLICY.scanLimit + 1 },
    });
    // The release frees the credential; the step examines the 100 barred ci waiters and
    // stops, so the maintainer behind them is not served in this step.
    await store.release({
      kind,
      ownerId: 'holder',
      actorRole: 'ci',
      credentialId: holder.credentialId,
      leaseToken: holder.leaseToken,
      nowMs: NOW + 2,
    });
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from "${store.schema}".waiters
       where kind = $1 and granted_credential_id is not null`,
      [kind],
    );
    expect(rows[0]!.n).toBe(0);
    expect(await store.poolStats()).toContainEqual(
      expect.objectContaining({ kind, free: 1, waiting: WAIT_POLICY.scanLimit + 1 }),
    );
  });
  it('concurrent patches of one new kind both apply (the upsert merges into the locked row)', async () => {
    for (let round = 0; round < 5; round++) {
      const kind = newKind('patch');
      await Promise.all([
        store.setPolicy({ kind, patch: { maxHoldMs: 40_000 }, actorId: ADMIN, nowMs: NOW }),
        store.setPolicy({ kind, patch: { maxLeasesPerOwner: 2 }, actorId: ADMIN, nowMs: NOW }),
        store.setPolicy({
          kind,
          patch: { maxLeasesPerRole: { ci: 4 } },
          actorId: ADMIN,
          nowMs: NOW,
        }),
        store.setPolicy({
          kind,
          patch: { maxLeasesPerRole: { maintainer: 1 } },
          actorId: ADMIN,
          nowMs: NOW,
        }),
      ]);
      expect(await store.getPolicies({ kind })).toEqual([
        {
          kind,
          updatedAtMs: NOW,
          maxHoldMs: 40_000,
          maxLeasesPerOwner: 2,
          maxLeasesPerRole: { ci: 4, maintainer: 1 },
        },
      ]);
    }
  });

  it('a heartbeat past a later maxHoldMs pulls the stored expiry back to the cap', async () => {
    const kind = newKind('cap');
    const id = await addOne(kind, ['{"fake":1}']);
    const held = await lease(kind, 'holder', NOW);
    await store.setPolicy({ kind, patch: { maxHoldMs: 30_000 }, actorId: ADMIN, nowMs: NOW + 1 });
    expect(
      await store.heartbeat({
        kind,
        ownerId: 'holder',
        credentialId: id,
        leaseToken: held.leaseToken,
        leaseTtlMs: TTL,
        nowMs: NOW + 40_000,
      }),
    ).toEqual({ ok: false, code: 'LEASE_EXPIRED' });
    const { rows } = await client.query<{ expires: string }>(
      `select lease_expires_at_ms as expires from "${store.schema}".credentials where credential_id = $1`,
      [id],
    );
    expect(Number(rows[0]!.expires)).toBe(NOW + 30_000);
    // So the next acquire reclaims it before its old expiry (NOW + TTL).
    expect((await lease(kind, 'next', NOW + 40_001)).fencingToken).toBe(2);
  });
});
