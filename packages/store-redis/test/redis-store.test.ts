import { StoreError } from '@qa-broker/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyspace } from '../src/keys.js';
import { openRedisStore } from '../src/open-redis-store.js';
import type { RedisStore } from '../src/redis-store.js';
import { TEST_REDIS_URL, openIsolatedStore } from './support/test-redis.js';

const T0 = 1_900_000_000_000;
const TTL = 60_000;

let store: RedisStore;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, cleanup } = await openIsolatedStore());
});

afterEach(async () => {
  await cleanup();
});

function addActive(credentialId: string, kind: string) {
  return store.addCredential({
    credentialId,
    kind,
    payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
    status: 'active',
    actorId: 'fake-admin',
    nowMs: T0,
  });
}

describe('addressing a credential by id', () => {
  it('tells KIND_MISMATCH from CREDENTIAL_NOT_FOUND through the id -> kind lookup', async () => {
    await addActive('cred-1', 'kind-a');
    const key = { ownerId: 'o', credentialId: 'cred-1', leaseToken: 'fake-t', nowMs: T0 };
    expect(await store.heartbeat({ ...key, kind: 'kind-b', leaseTtlMs: TTL })).toEqual({
      ok: false,
      code: 'KIND_MISMATCH',
    });
    expect(
      await store.release({ ...key, kind: 'kind-a', credentialId: 'cred-x', actorRole: 'ci' }),
    ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
  });

  it('treats a lookup entry whose add never ran as not found everywhere', async () => {
    // What a crash between the lookup write and the add script leaves behind.
    await store.client.hset(store.keys.global.credentialKinds, 'cred-orphan', 'kind-a');
    await store.client.zadd(store.keys.global.credentialIds, 0, 'cred-orphan');
    const key = { ownerId: 'o', credentialId: 'cred-orphan', leaseToken: 'fake-t', nowMs: T0 };
    for (const kind of ['kind-a', 'kind-b']) {
      expect(await store.heartbeat({ ...key, kind, leaseTtlMs: TTL })).toEqual({
        ok: false,
        code: 'CREDENTIAL_NOT_FOUND',
      });
      expect(await store.readPayloadChunk({ ...key, kind, actorRole: 'ci', index: 0 })).toEqual({
        ok: false,
        code: 'CREDENTIAL_NOT_FOUND',
      });
    }
    expect(
      await store.disableCredential({ credentialId: 'cred-orphan', actorId: 'a', nowMs: T0 }),
    ).toEqual({
      ok: false,
      code: 'CREDENTIAL_NOT_FOUND',
    });
    expect(
      await store.replacePayload({
        credentialId: 'cred-orphan',
        expectedPieces: [],
        payload: { pieces: ['{}'], byteLength: 2 },
      }),
    ).toBe(false);
    expect(await store.scanCredentials({ limit: 10, includePayload: false })).toEqual({
      credentials: [],
    });
  });
});

describe('several broker processes on one Redis', () => {
  it('never grant one credential twice when their acquires race', async () => {
    for (let i = 0; i < 10; i++) await addActive(`cred-${i}`, 'kind-race');
    // Separate connections, as separate broker processes would have.
    const others = await Promise.all(
      [1, 2, 3].map(() => openRedisStore({ url: TEST_REDIS_URL, prefix: store.keys.prefix })),
    );
    try {
      const stores = [store, ...others];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, attempt) =>
          stores[attempt % stores.length]!.acquire({
            kind: 'kind-race',
            ownerId: `owner-${attempt}`,
            actorRole: 'ci',
            leaseToken: `fake-token-${attempt}`,
            leaseTtlMs: TTL,
            nowMs: T0 + 1,
          }),
        ),
      );
      const granted = results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
      expect(granted).toHaveLength(10);
      expect(new Set(granted).size).toBe(10);
      expect(results.filter((result) => !result.ok)).toHaveLength(50);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });
});

describe('kinds that were only ever acquired', () => {
  it('keep their acquire_failed events listable and prunable, and are not pools', async () => {
    await store.acquire({
      kind: 'never-added',
      ownerId: 'o',
      actorRole: 'ci',
      leaseToken: 'fake-t',
      leaseTtlMs: TTL,
      nowMs: T0,
    });
    const { events } = await store.listEvents({ kind: 'never-added', limit: 10 });
    expect(events.map((event) => event.eventType)).toEqual(['acquire_failed']);
    expect(await store.poolStats()).toEqual([]);
    expect(
      await store.pruneEvents({
        leaseEventMaxAgeMs: 1,
        adminEventMaxAgeMs: 1,
        batchSize: 10,
        nowMs: T0 + 10,
      }),
    ).toEqual({ deleted: 1, more: false });
  });
});

describe('failures', () => {
  it('turns a Lua error into INTERNAL_ERROR without leaking the arguments', async () => {
    await addActive('cred-1', 'kind-a');
    await store.client.hset(store.keys.kind('kind-a').credentials, 'cred-1', 'not json');
    const failure = store.heartbeat({
      kind: 'kind-a',
      ownerId: 'o',
      credentialId: 'cred-1',
      leaseToken: 'fake-secret-lease-token',
      leaseTtlMs: TTL,
      nowMs: T0,
    });
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    const error = await failure.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('fake-secret');
    expect(String((error as StoreError).cause)).not.toContain('fake-secret');
  });

  it('fails to open with STORE_UNAVAILABLE, quickly, when nothing listens', async () => {
    const started = Date.now();
    const opening = openRedisStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 });
    await expect(opening).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a prefix that would break the hash tags', () => {
    expect(() => createKeyspace('bad{prefix')).toThrow(RangeError);
    expect(() => createKeyspace('')).toThrow(RangeError);
  });
});

describe('operations', () => {
  it('reports whether Redis runs with AOF', async () => {
    const expected = (await store.client.config('GET', 'appendonly'))[1] === 'yes';
    expect(await store.durability()).toEqual({ appendOnly: expected });
  });

  it('reports appendOnly "unknown" when the user may not run CONFIG', async () => {
    const user = `${store.keys.prefix}-no-config`;
    const password = 'fake-password-for-a-test-user';
    await store.client.call(
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${password}`,
      '~*',
      '&*',
      '+@all',
      '-config',
    );
    try {
      const limited = await openRedisStore({
        url: `redis://${encodeURIComponent(user)}:${password}@${new URL(TEST_REDIS_URL).host}`,
        prefix: store.keys.prefix,
      });
      try {
        expect(await limited.durability()).toEqual({ appendOnly: 'unknown' });
      } finally {
        await limited.close();
      }
    } finally {
      await store.client.call('ACL', 'DELUSER', user);
    }
  });

  it('leaves a reused client open on close and registers the scripts on it', async () => {
    const reused = await openRedisStore({
      url: 'unused',
      client: store.client,
      prefix: store.keys.prefix,
    });
    await reused.close();
    expect(await store.now()).toBeGreaterThan(0);
    expect(
      await reused.acquire({
        kind: 'k',
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: 'fake-t',
        leaseTtlMs: TTL,
      }),
    ).toEqual({
      ok: false,
      code: 'POOL_EXHAUSTED',
    });
  });
});
