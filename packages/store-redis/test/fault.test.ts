import type { AcquireResult } from '@qa-broker/store';
import { isStoreError } from '@qa-broker/store';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/redis-store.js';
import type { TcpProxy } from './support/tcp-proxy.js';
import { openProxiedStores } from './support/proxied-stores.js';

const COMMAND_TIMEOUT_MS = 300;
/** What "within the bounded timeout" allows on a loaded 2-core machine. */
const FAIL_FAST_BOUND_MS = COMMAND_TIMEOUT_MS + 1_000;
const KIND = 'fake-fault-kind';
const TTL = 600_000;

let proxy: TcpProxy;
let proxied: RedisStore;
/** The same keys through a direct connection: the ground truth. */
let direct: RedisStore;
let close: () => Promise<void>;
let token = 0;

beforeEach(async () => {
  ({ proxy, proxied, direct, close } = await openProxiedStores({
    kind: KIND,
    credentialIds: Array.from({ length: 10 }, (_, i) => `cred-${i}`),
    proxied: { commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: COMMAND_TIMEOUT_MS },
  }));
});

afterEach(async () => {
  await close();
});

function acquireThroughProxy(): Promise<AcquireResult> {
  token += 1;
  return proxied.acquire({
    kind: KIND,
    ownerId: 'fault-owner',
    actorRole: 'ci',
    leaseToken: `fake-token-${token}`,
    leaseTtlMs: TTL,
  });
}

/** Runs `operation`, expecting STORE_UNAVAILABLE no later than the bound. */
async function expectUnavailableFast(operation: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const outcome = await operation().then(
    () => 'resolved',
    (error: unknown) => error,
  );
  const elapsed = performance.now() - started;
  expect(isStoreError(outcome) && outcome.code).toBe('STORE_UNAVAILABLE');
  expect(elapsed).toBeLessThan(FAIL_FAST_BOUND_MS);
}

/** Polls until the proxied store answers again; it must reconnect on its own. */
async function waitUntilAvailable(): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await proxied.ping();
      return performance.now() - started;
    } catch {
      if (performance.now() - started > 10_000) throw new Error('the store did not reconnect');
      await delay(50);
    }
  }
}

async function grantedCount(): Promise<{ leased: number; acquireEvents: number }> {
  const [stats] = await direct.poolStats();
  const { events } = await direct.listEvents({ kind: KIND, eventTypes: ['acquire'], limit: 500 });
  return { leased: stats?.leased ?? 0, acquireEvents: events.length };
}

describe('a store behind a broken network', () => {
  it('fails fast while Redis is cut off, grants nothing later, and recovers by itself', async () => {
    expect((await acquireThroughProxy()).ok).toBe(true);

    proxy.cut();
    for (let i = 0; i < 3; i++) await expectUnavailableFast(acquireThroughProxy);
    await expectUnavailableFast(() => proxied.poolStats());
    await expectUnavailableFast(() =>
      proxied.listCredentials({ status: 'all', includePayload: false, limit: 10 }),
    );

    proxy.restore();
    const reconnectMs = await waitUntilAvailable();
    // Nothing that failed was queued and replayed on the new connection.
    expect(await grantedCount()).toEqual({ leased: 1, acquireEvents: 1 });
    expect((await acquireThroughProxy()).ok).toBe(true);
    expect(await grantedCount()).toEqual({ leased: 2, acquireEvents: 2 });
    console.info(`[fault] cut: reconnected ${reconnectMs.toFixed(0)} ms after the proxy came back`);
  });

  it('times out instead of hanging on a silent partition, and drops the dead connection', async () => {
    expect((await acquireThroughProxy()).ok).toBe(true);

    proxy.blackhole();
    // The request is swallowed by the partition: the caller hears STORE_UNAVAILABLE in time.
    await expectUnavailableFast(acquireThroughProxy);
    await expectUnavailableFast(acquireThroughProxy);

    proxy.restore();
    const reconnectMs = await waitUntilAvailable();
    // Bytes written into the dead connection are never delivered later, and the client
    // resent nothing: exactly the one successful grant exists.
    expect(await grantedCount()).toEqual({ leased: 1, acquireEvents: 1 });
    const results = await Promise.all([acquireThroughProxy(), acquireThroughProxy()]);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    expect(await grantedCount()).toEqual({ leased: 3, acquireEvents: 3 });
    console.info(`[fault] partition: usable again ${reconnectMs.toFixed(0)} ms after healing`);
  });
});
