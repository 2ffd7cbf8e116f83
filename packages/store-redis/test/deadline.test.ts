import { isStoreError } from '@qa-broker/store';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/redis-store.js';
import type { TcpProxy } from './support/tcp-proxy.js';
import { openProxiedStores } from './support/proxied-stores.js';

/**
 * "A command never runs after the request that sent it has given up": a proxy delays
 * the commands past the store's timeout; they still reach Redis, and must change nothing.
 */

const COMMAND_TIMEOUT_MS = 300;
const LATE_BY_MS = 600;
const KIND = 'fake-deadline-kind';
const TTL = 600_000;
/** Lease time for the scripts; the deadline must keep using the real clock regardless. */
const T0 = 1_900_000_000_000;

let proxy: TcpProxy;
let proxied: RedisStore;
/** The same keys through a direct connection: the ground truth. */
let direct: RedisStore;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ proxy, proxied, direct, close } = await openProxiedStores({
    kind: KIND,
    credentialIds: ['cred-1', 'cred-2'],
    nowMs: T0,
    proxied: { commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: COMMAND_TIMEOUT_MS },
  }));
});

afterEach(async () => {
  await close();
});

async function expectUnavailable(call: Promise<unknown>): Promise<void> {
  const outcome = await call.then(
    () => 'resolved',
    (error: unknown) => (isStoreError(error) ? error.code : error),
  );
  expect(outcome).toBe('STORE_UNAVAILABLE');
}

/** Waits until every delayed chunk sent so far has reached Redis (and then some). */
async function letLateCommandsArrive(deliveredBefore: number): Promise<void> {
  await delay(LATE_BY_MS + 200);
  expect(proxy.delayedChunksDelivered).toBeGreaterThan(deliveredBefore);
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

async function leaseOwners(): Promise<(string | undefined)[]> {
  const { credentials } = await direct.scanCredentials({ limit: 10, includePayload: false });
  return credentials.map((credential) => credential.lease?.ownerId);
}

describe('a command that reaches Redis after its caller gave up', () => {
  it('changes nothing: neither a late acquire nor a late release', async () => {
    // Prompt calls with an explicit lease time far from the real clock still run: the
    // deadline is about elapsed real time, not lease time.
    const warm = await proxied.acquire({
      kind: KIND,
      ownerId: 'owner-warm',
      actorRole: 'ci',
      leaseToken: 'fake-token-warm',
      leaseTtlMs: TTL,
      nowMs: T0,
    });
    if (!warm.ok) throw new Error('setup: the prompt acquire must succeed');

    proxy.delayRequests(LATE_BY_MS);
    let delivered = proxy.delayedChunksDelivered;
    await expectUnavailable(
      proxied.acquire({
        kind: KIND,
        ownerId: 'owner-late',
        actorRole: 'ci',
        leaseToken: 'fake-token-late',
        leaseTtlMs: TTL,
        nowMs: T0,
      }),
    );
    await letLateCommandsArrive(delivered);
    expect((await leaseOwners()).filter(Boolean)).toEqual(['owner-warm']);
    const acquires = await direct.listEvents({ kind: KIND, eventTypes: ['acquire'], limit: 10 });
    expect(acquires.events).toHaveLength(1);

    proxy.delayRequests(0);
    await waitUntilAvailable();
    proxy.delayRequests(LATE_BY_MS);
    delivered = proxy.delayedChunksDelivered;
    await expectUnavailable(
      proxied.release({
        kind: KIND,
        credentialId: warm.lease.credentialId,
        ownerId: 'owner-warm',
        leaseToken: 'fake-token-warm',
        actorRole: 'ci',
        nowMs: T0,
      }),
    );
    await letLateCommandsArrive(delivered);
    expect((await leaseOwners()).filter(Boolean)).toEqual(['owner-warm']);
  });
});
