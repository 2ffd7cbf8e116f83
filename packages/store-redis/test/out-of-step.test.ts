import { isStoreError } from '@qa-broker/store';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/redis-store.js';
import type { TcpProxy } from './support/tcp-proxy.js';
import { openProxiedStores } from './support/proxied-stores.js';

/**
 * A connection whose replies are out of step with its commands (the fault harness saw a
 * heartbeat answered with a release's `{"ok", 1}`, i.e. `expiresAtMs: 1`). A proxy swaps
 * two replies on purpose; the store must notice and answer STORE_UNAVAILABLE to both
 * calls instead of handing either one the other's answer, then recover by itself.
 */

const KIND = 'fake-step-kind';
const TTL = 600_000;

let proxy: TcpProxy;
let proxied: RedisStore;
/** The same keys through a direct connection: the ground truth. */
let direct: RedisStore;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ proxy, proxied, direct, close } = await openProxiedStores({
    kind: KIND,
    credentialIds: ['cred-1', 'cred-2', 'cred-3'],
  }));
});

afterEach(async () => {
  await close();
});

function acquire(store: RedisStore, ownerId: string) {
  return store.acquire({
    kind: KIND,
    ownerId,
    actorRole: 'ci',
    leaseToken: `fake-token-${ownerId}`,
    leaseTtlMs: TTL,
  });
}

async function outcome(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (result) => result,
    (error: unknown) => (isStoreError(error) ? error.code : error),
  );
}

async function waitUntilAvailable(): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      await proxied.ping();
      return;
    } catch {
      if (performance.now() - started > 10_000) throw new Error('the store did not reconnect');
      await delay(20);
    }
  }
}

describe('replies out of step with their commands', () => {
  it('never reads a release reply as a heartbeat answer (the expiresAtMs: 1 symptom)', async () => {
    const first = await acquire(direct, 'owner-1');
    const second = await acquire(direct, 'owner-2');
    if (!first.ok || !second.ok) throw new Error('setup: both acquires must succeed');
    // One script call first samples the Redis clock, so each call below is one command.
    expect(await proxied.poolStats()).toHaveLength(1);

    const held = proxy.swapNextTwoReplies();
    const beat = outcome(
      proxied.heartbeat({
        kind: KIND,
        credentialId: first.lease.credentialId,
        ownerId: 'owner-1',
        leaseToken: 'fake-token-owner-1',
        leaseTtlMs: TTL,
      }),
    );
    await held;
    const release = outcome(
      proxied.release({
        kind: KIND,
        credentialId: second.lease.credentialId,
        ownerId: 'owner-2',
        leaseToken: 'fake-token-owner-2',
        actorRole: 'ci',
      }),
    );
    expect(await beat).toBe('STORE_UNAVAILABLE');
    expect(await release).toBe('STORE_UNAVAILABLE');

    // Both commands did run in Redis: the outcome was unknown, not lost.
    await waitUntilAvailable();
    const [stats] = await direct.poolStats();
    expect(stats).toMatchObject({ free: 2, leased: 1 });
    const beatAgain = await proxied.heartbeat({
      kind: KIND,
      credentialId: first.lease.credentialId,
      ownerId: 'owner-1',
      leaseToken: 'fake-token-owner-1',
      leaseTtlMs: TTL,
    });
    expect(beatAgain.ok && beatAgain.expiresAtMs).toBeGreaterThan(first.lease.expiresAtMs - 1);
  });

  it('never tells one acquirer it holds the credential granted to another', async () => {
    // Registers the kind on this process and samples the Redis clock, so each acquire
    // below is exactly one command.
    expect((await acquire(proxied, 'owner-warm')).ok).toBe(true);

    const held = proxy.swapNextTwoReplies();
    const a = outcome(acquire(proxied, 'owner-a'));
    await held;
    const b = outcome(acquire(proxied, 'owner-b'));
    expect(await a).toBe('STORE_UNAVAILABLE');
    expect(await b).toBe('STORE_UNAVAILABLE');

    await waitUntilAvailable();
    // The pool is empty now (both grants happened, to nobody who heard of them) and the
    // next acquire through the replaced connection gets a correct answer.
    expect(await acquire(proxied, 'owner-c')).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
    const { credentials } = await direct.scanCredentials({ limit: 10, includePayload: false });
    const owners = credentials.map((credential) => credential.lease?.ownerId).sort();
    expect(owners).toEqual(['owner-a', 'owner-b', 'owner-warm']);
  });
});
