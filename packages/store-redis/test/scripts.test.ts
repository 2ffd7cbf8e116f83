import { StoreError } from '@qa-broker/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KindKeys } from '../src/keys.js';
import { acquireScript } from '../src/ops/acquire.js';
import { addCredentialScript } from '../src/ops/add-credential.js';
import { appendAdminEventScript } from '../src/ops/append-admin-event.js';
import { disableCredentialScript } from '../src/ops/disable-credential.js';
import { heartbeatScript } from '../src/ops/heartbeat.js';
import { listKindPageScript } from '../src/ops/list-kind-page.js';
import { poolStatsScript } from '../src/ops/pool-stats.js';
import { pruneEventsScript } from '../src/ops/prune-events.js';
import { readChunkScript } from '../src/ops/read-chunk.js';
import { readCredentialsScript } from '../src/ops/read-credentials.js';
import { releaseScript } from '../src/ops/release.js';
import { replacePayloadScript } from '../src/ops/replace-payload.js';
import type { RedisStore } from '../src/redis-store.js';
import { openIsolatedStore } from './support/test-redis.js';

/** Each wrapper called directly, with the exact reply it must parse for the edge cases. */

const T0 = 1_900_000_000_000;
const TTL = 60_000;
const KIND = 'fake-kind';
const PIECES = ['{"fake":"piece-0', '-piece-1"}'];

let store: RedisStore;
let cleanup: () => Promise<void>;
let keys: KindKeys;

beforeEach(async () => {
  ({ store, cleanup } = await openIsolatedStore());
  keys = store.keys.kind(KIND);
});

afterEach(async () => {
  await cleanup();
});

async function add(
  credentialId: string,
  options: { status?: 'active' | 'disabled'; pieces?: string[]; nowMs?: number } = {},
) {
  const pieces = options.pieces ?? PIECES;
  return addCredentialScript(store.client, keys, {
    credentialId,
    kind: KIND,
    payload: { pieces, byteLength: Buffer.byteLength(pieces.join('')) },
    status: options.status ?? 'active',
    actorId: 'fake-admin',
    nowMs: options.nowMs ?? T0,
  });
}

function acquire(nowMs: number, leaseToken = 'fake-token-1', ownerId = 'owner-1') {
  return acquireScript(
    store.client,
    keys,
    { kind: KIND, ownerId, actorRole: 'ci', leaseToken, leaseTtlMs: TTL, nowMs },
    100,
  );
}

const lease = {
  kind: KIND,
  ownerId: 'owner-1',
  credentialId: 'cred-1',
  leaseToken: 'fake-token-1',
};

describe('acquire.lua', () => {
  it('answers POOL_EXHAUSTED on an empty pool and when only a disabled credential exists', async () => {
    expect(await acquire(T0)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
    await add('cred-disabled', { status: 'disabled' });
    expect(await acquire(T0)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
  });

  it('grants with the exact lease fields, then is exhausted while that lease is active', async () => {
    await add('cred-1', { pieces: ['{"fake":"inline"}'] });
    expect(await acquire(T0 + 5)).toEqual({
      ok: true,
      lease: {
        credentialId: 'cred-1',
        kind: KIND,
        acquiredAtMs: T0 + 5,
        expiresAtMs: T0 + 5 + TTL,
        fencingToken: 1,
        chunkCount: 1,
        byteLength: 17,
        inlinePiece: '{"fake":"inline"}',
      },
    });
    expect(await acquire(T0 + 4 + TTL, 'fake-token-2')).toEqual({
      ok: false,
      code: 'POOL_EXHAUSTED',
    });
  });

  it('reclaims an expired lease and grants it again with the next fencing token', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await acquire(T0 + TTL, 'fake-token-2', 'owner-2')).toEqual({
      ok: true,
      lease: {
        credentialId: 'cred-1',
        kind: KIND,
        acquiredAtMs: T0 + TTL,
        expiresAtMs: T0 + 2 * TTL,
        fencingToken: 2,
        chunkCount: 2,
        byteLength: Buffer.byteLength(PIECES.join('')),
      },
    });
  });
});

describe('acquire.lua reclaiming', () => {
  it('moves at most the given number of expired leases back per call', async () => {
    for (let i = 0; i < 5; i++) await add(`cred-${i}`);
    for (let i = 0; i < 5; i++) await acquire(T0, `fake-token-${i}`);
    const result = await acquireScript(
      store.client,
      keys,
      {
        kind: KIND,
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: 'fake-new',
        leaseTtlMs: TTL,
        nowMs: T0 + TTL,
      },
      3,
    );
    expect(result.ok).toBe(true);
    // Three reclaimed: one granted again, two now free; two still wait in the lease set.
    expect(await store.client.zcard(keys.free)).toBe(2);
    expect(await store.client.zcount(keys.leases, '-inf', T0 + TTL)).toBe(2);
    expect(await store.client.zcount(keys.leases, `(${T0 + TTL}`, '+inf')).toBe(1);
  });
});

describe('heartbeat.lua', () => {
  const beat = (overrides: Partial<typeof lease> & { nowMs: number }) =>
    heartbeatScript(store.client, keys, { ...lease, leaseTtlMs: TTL, ...overrides });

  it('extends its own lease, up to and including expiresAtMs == now', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await beat({ nowMs: T0 + TTL })).toEqual({ ok: true, expiresAtMs: T0 + 2 * TTL });
  });

  it('answers LEASE_NOT_OWNER for a wrong token or owner', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await beat({ leaseToken: 'fake-wrong', nowMs: T0 + 1 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
    expect(await beat({ ownerId: 'intruder', nowMs: T0 + 1 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
  });

  it('answers LEASE_EXPIRED once expiresAtMs < now', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await beat({ nowMs: T0 + TTL + 1 })).toEqual({ ok: false, code: 'LEASE_EXPIRED' });
  });

  it('answers CREDENTIAL_DISABLED, LEASE_NOT_FOUND and ABSENT_IN_KIND', async () => {
    await add('cred-1', { status: 'disabled' });
    expect(await beat({ nowMs: T0 })).toEqual({ ok: false, code: 'CREDENTIAL_DISABLED' });
    await add('cred-2');
    expect(await beat({ credentialId: 'cred-2', nowMs: T0 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_FOUND',
    });
    expect(await beat({ credentialId: 'cred-missing', nowMs: T0 })).toEqual({
      ok: false,
      code: 'ABSENT_IN_KIND',
    });
  });

  it('takes a lease back from the free set if an acquire reclaimed it at the same instant', async () => {
    await add('cred-1');
    await acquire(T0);
    // At T0 + TTL the acquire sees the lease as expired and reclaims it, then grants it;
    // a second credential keeps the first one untouched by that grant.
    await add('cred-2', { nowMs: T0 + 1 });
    expect(await acquire(T0 + TTL, 'fake-token-2', 'owner-2')).toMatchObject({
      ok: true,
      lease: { credentialId: 'cred-2' },
    });
    expect(await beat({ nowMs: T0 + TTL })).toEqual({ ok: true, expiresAtMs: T0 + 2 * TTL });
    expect(await acquire(T0 + TTL + 1, 'fake-token-3', 'owner-3')).toEqual({
      ok: false,
      code: 'POOL_EXHAUSTED',
    });
  });
});

describe('release.lua', () => {
  const release = (overrides: Partial<typeof lease> & { nowMs: number }) =>
    releaseScript(store.client, keys, { ...lease, actorRole: 'ci', ...overrides });

  it('answers LEASE_NOT_OWNER for a wrong token, even after expiry', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await release({ leaseToken: 'fake-wrong', nowMs: T0 + 1 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
    expect(await release({ leaseToken: 'fake-wrong', nowMs: T0 + 10 * TTL })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
  });

  it('lets the holder release an expired lease, then is idempotent', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await release({ nowMs: T0 + 10 * TTL })).toEqual({ ok: true, released: true });
    expect(await release({ nowMs: T0 + 10 * TTL })).toEqual({ ok: true, released: false });
  });

  it('answers released:false on a disabled credential and ABSENT_IN_KIND when missing', async () => {
    await add('cred-1', { status: 'disabled' });
    expect(await release({ nowMs: T0 })).toEqual({ ok: true, released: false });
    expect(await release({ credentialId: 'cred-missing', nowMs: T0 })).toEqual({
      ok: false,
      code: 'ABSENT_IN_KIND',
    });
  });
});

describe('read-chunk.lua', () => {
  const read = (overrides: Partial<typeof lease> & { nowMs: number; index?: number }) =>
    readChunkScript(store.client, keys, { ...lease, actorRole: 'ci', index: 1, ...overrides });

  it('returns the piece with its index and count', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await read({ nowMs: T0 })).toEqual({
      ok: true,
      piece: PIECES[1],
      index: 1,
      chunkCount: 2,
    });
  });

  it('answers LEASE_NOT_OWNER for a wrong token and LEASE_NOT_FOUND once expired', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await read({ leaseToken: 'fake-wrong', nowMs: T0 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
    expect(await read({ nowMs: T0 + TTL + 1 })).toEqual({ ok: false, code: 'LEASE_NOT_FOUND' });
  });

  it('answers CREDENTIAL_DISABLED, INVALID_CHUNK_INDEX and ABSENT_IN_KIND', async () => {
    await add('cred-1', { status: 'disabled' });
    expect(await read({ nowMs: T0 })).toEqual({ ok: false, code: 'CREDENTIAL_DISABLED' });
    await add('cred-2');
    await acquire(T0, 'fake-token-2');
    expect(
      await read({ credentialId: 'cred-2', leaseToken: 'fake-token-2', index: 2, nowMs: T0 }),
    ).toEqual({ ok: false, code: 'INVALID_CHUNK_INDEX' });
    expect(await read({ credentialId: 'cred-missing', nowMs: T0 })).toEqual({
      ok: false,
      code: 'ABSENT_IN_KIND',
    });
  });
});

describe('add-credential.lua', () => {
  it('returns the stored record and refuses a duplicate id without changing it', async () => {
    expect(await add('cred-1')).toEqual({
      credentialId: 'cred-1',
      kind: KIND,
      status: 'active',
      createdAtMs: T0,
      updatedAtMs: T0,
      lastLeasedAtMs: 0,
    });
    const duplicate = add('cred-1', { status: 'disabled', nowMs: T0 + 1 });
    await expect(duplicate).rejects.toBeInstanceOf(StoreError);
    await expect(duplicate).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(await poolStatsScript(store.client, keys, KIND, T0)).toEqual({
      kind: KIND,
      free: 1,
      leased: 0,
      disabled: 0,
      waiting: 0,
      quarantined: 0,
    });
  });
});

describe('disable-credential.lua', () => {
  const disable = (credentialId: string, nowMs: number) =>
    disableCredentialScript(store.client, keys, KIND, {
      credentialId,
      actorId: 'fake-admin',
      nowMs,
    });

  it('answers LEASE_ACTIVE while leased, disables once expired, then changed:false', async () => {
    await add('cred-1');
    await acquire(T0);
    expect(await disable('cred-1', T0 + TTL - 1)).toEqual({ ok: false, code: 'LEASE_ACTIVE' });
    expect(await disable('cred-1', T0 + TTL)).toEqual({
      ok: true,
      changed: true,
      credential: {
        credentialId: 'cred-1',
        kind: KIND,
        status: 'disabled',
        createdAtMs: T0,
        updatedAtMs: T0 + TTL,
        lastLeasedAtMs: T0,
      },
    });
    expect(await disable('cred-1', T0 + TTL + 5)).toMatchObject({ ok: true, changed: false });
    expect(await acquire(T0 + 2 * TTL, 'fake-token-2')).toEqual({
      ok: false,
      code: 'POOL_EXHAUSTED',
    });
  });

  it('answers CREDENTIAL_NOT_FOUND for an id without a record under the kind', async () => {
    expect(await disable('cred-missing', T0)).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
  });
});

describe('replace-payload.lua', () => {
  it('replaces only on an exact match of the expected pieces', async () => {
    await add('cred-1');
    const next = { pieces: ['{"fake":"new"}'], byteLength: 14 };
    const replace = (expectedPieces: string[]) =>
      replacePayloadScript(store.client, keys, {
        credentialId: 'cred-1',
        expectedPieces,
        payload: next,
      });
    expect(await replace([PIECES.join('')])).toBe(false);
    expect(await replace(PIECES)).toBe(true);
    const [record] = await readCredentialsScript(store.client, keys, KIND, ['cred-1'], true);
    expect(record?.payload).toEqual(next);
    // The second piece of the old payload is gone, not left behind.
    expect(await store.client.hexists(keys.payloads, 'cred-1:1')).toBe(0);
  });
});

describe('read scripts', () => {
  it('list-kind-page pages by updatedAtMs desc; read-credentials skips unknown ids', async () => {
    await add('cred-a', { nowMs: T0 });
    await add('cred-b', { nowMs: T0 + 1 });
    await add('cred-c', { nowMs: T0 + 1 });
    const page = (offset: number) =>
      listKindPageScript(store.client, keys, {
        kind: KIND,
        status: 'active',
        offset,
        size: 2,
        includePayload: false,
      });
    expect((await page(0)).map((record) => record.credentialId)).toEqual(['cred-b', 'cred-c']);
    expect((await page(2)).map((record) => record.credentialId)).toEqual(['cred-a']);
    const read = await readCredentialsScript(store.client, keys, KIND, ['cred-c', 'nope'], true);
    expect(read).toEqual([
      {
        credentialId: 'cred-c',
        kind: KIND,
        status: 'active',
        createdAtMs: T0 + 1,
        updatedAtMs: T0 + 1,
        lastLeasedAtMs: 0,
        payload: { pieces: PIECES, byteLength: Buffer.byteLength(PIECES.join('')) },
      },
    ]);
  });

  it('pool-stats counts an expired lease as free and an active one as leased', async () => {
    await add('cred-1');
    await add('cred-2');
    await add('cred-3', { status: 'disabled' });
    await acquire(T0);
    await acquire(T0 + TTL, 'fake-token-2');
    expect(await poolStatsScript(store.client, keys, KIND, T0 + TTL)).toEqual({
      kind: KIND,
      free: 1,
      leased: 1,
      disabled: 1,
      waiting: 0,
      quarantined: 0,
    });
  });
});

describe('event scripts', () => {
  it('prune-events deletes exactly the old events, at most a batch at a time', async () => {
    for (let i = 0; i < 5; i++) await acquire(T0 + i, `fake-token-${i}`);
    await acquire(T0 + 100, 'fake-token-new');
    const prune = (batchSize: number) =>
      pruneEventsScript(store.client, keys.leaseEvents, {
        maxAgeMs: 50,
        batchSize,
        nowMs: T0 + 100,
      });
    expect(await prune(3)).toBe(3);
    expect(await prune(3)).toBe(2);
    expect(await prune(3)).toBe(0);
    expect(await store.client.zcard(keys.leaseEvents)).toBe(1);
  });

  it('append-admin-event writes a kind-less event and returns its time', async () => {
    const occurredAtMs = await appendAdminEventScript(store.client, store.keys.global, {
      eventType: 'disable_failed',
      actorId: 'fake-admin',
      credentialId: 'cred-missing',
      code: 'CREDENTIAL_NOT_FOUND',
      message: 'Credential record does not exist.',
      nowMs: T0,
    });
    expect(occurredAtMs).toBe(T0);
    const page = await store.listEvents({ category: 'admin', limit: 10 });
    expect(page.events).toEqual([
      {
        eventId: expect.any(String) as string,
        category: 'admin',
        eventType: 'disable_failed',
        actorRole: 'maintainer',
        actorId: 'fake-admin',
        occurredAtMs: T0,
        credentialId: 'cred-missing',
        code: 'CREDENTIAL_NOT_FOUND',
        message: 'Credential record does not exist.',
      },
    ]);
  });
});
