import { WAIT_POLICY } from '@qa-broker/contract';
import type { WakeupSubscription } from '@qa-broker/store';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/redis-store.js';
import { WAKE_WATCHDOG_INTERVAL_MS, wakeConnectionName } from '../src/wakeups.js';
import { openProxiedStores, type ProxiedStores } from './support/proxied-stores.js';
import { openAdminClient, openIsolatedStore } from './support/test-redis.js';

/**
 * Wake-ups over real pub/sub: the scripts PUBLISH a granted ticket to its broker's
 * channel, and the subscription survives a killed or silently dead connection.
 */

const T0 = 1_900_000_000_000;
const TTL = 60_000;
const KIND = 'fake-wake-kind';

let store: RedisStore;
let cleanup: () => Promise<void>;
let admin: Redis;
const subscriptions: WakeupSubscription[] = [];

beforeEach(async () => {
  ({ store, cleanup } = await openIsolatedStore());
  admin = await openAdminClient();
});

afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) await subscription.close();
  admin.disconnect();
  await cleanup();
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

async function subscribers(channel: string): Promise<number> {
  const reply = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

/** One credential held by `holder`, and `ticketId` of `brokerId` waiting behind it. */
async function queueBehindHolder(
  target: RedisStore,
  ticketId: string,
  brokerId: string,
  nowMs: number,
) {
  const credentialId = `cred-${ticketId}`;
  await target.addCredential({
    credentialId,
    kind: KIND,
    payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
    status: 'active',
    actorId: 'fake-admin',
    nowMs,
  });
  const base = { kind: KIND, actorRole: 'ci' as const, leaseTtlMs: TTL, nowMs };
  const held = await target.acquire({
    ...base,
    ownerId: `holder-${ticketId}`,
    leaseToken: 'fake-holder',
  });
  expect(held.ok).toBe(true);
  const waiting = await target.acquire({
    ...base,
    ownerId: `owner-${ticketId}`,
    leaseToken: 'fake-waiter',
    wait: {
      ticketId,
      priority: 0,
      brokerId,
      sealedToken: 'fake-sealed',
      queueMax: WAIT_POLICY.queueMax,
    },
  });
  expect(waiting).toMatchObject({ code: 'WAITING' });
  return () =>
    target.release({
      kind: KIND,
      ownerId: `holder-${ticketId}`,
      credentialId,
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: nowMs + 1,
    });
}

async function subscribe(target: RedisStore, brokerId: string, woken: string[]) {
  const subscription = await target.subscribeWakeups(brokerId, (ticketIds) =>
    woken.push(...ticketIds),
  );
  subscriptions.push(subscription);
  return subscription;
}

describe('subscribeWakeups', () => {
  it('hears the tickets granted to its own broker, on <prefix>:wake:<brokerId>, and only those', async () => {
    const mine: string[] = [];
    const other: string[] = [];
    await subscribe(store, 'broker-1', mine);
    await subscribe(store, 'broker-2', other);
    expect(await subscribers(`${store.keys.prefix}:wake:broker-1`)).toBe(1);
    const release = await queueBehindHolder(store, 't-1', 'broker-1', T0);
    await release();
    await waitFor('the wake-up of t-1', () => mine.length === 1);
    expect(mine).toEqual(['t-1']);
    await delay(100);
    expect(other).toEqual([]);
  });

  it('publishes nothing for a ticket granted in its own request', async () => {
    const woken: string[] = [];
    await subscribe(store, 'broker-1', woken);
    await store.addCredential({
      credentialId: 'cred-free',
      kind: KIND,
      payload: { pieces: ['{}'], byteLength: 2 },
      status: 'active',
      actorId: 'fake-admin',
      nowMs: T0,
    });
    const granted = await store.acquire({
      kind: KIND,
      ownerId: 'owner',
      actorRole: 'ci',
      leaseToken: 'fake-token',
      leaseTtlMs: TTL,
      nowMs: T0,
      wait: {
        ticketId: 't-now',
        priority: 0,
        brokerId: 'broker-1',
        sealedToken: 's',
        queueMax: 10,
      },
    });
    expect(granted.ok).toBe(true);
    // A later wake-up proves the channel works, and that t-now was never sent before it.
    const release = await queueBehindHolder(store, 't-later', 'broker-1', T0 + 1);
    await release();
    await waitFor('the wake-up of t-later', () => woken.length > 0);
    expect(woken).toEqual(['t-later']);
  });

  it('resumes after its connection is killed (CLIENT KILL), and close() ends it', async () => {
    const woken: string[] = [];
    const subscription = await subscribe(store, 'broker-k', woken);
    const name = wakeConnectionName(store.keys.prefix, 'broker-k');
    const idOf = async () => {
      const list = (await admin.client('LIST')) as string;
      const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
      return line ? /^id=(\d+)/.exec(line)?.[1] : undefined;
    };
    const firstId = await idOf();
    expect(firstId).toBeDefined();
    // The watchdog's PINGs are answered in subscriber mode: the connection is not churned.
    await delay(WAKE_WATCHDOG_INTERVAL_MS * 3 + 200);
    expect(await idOf()).toBe(firstId);
    await admin.client('KILL', 'ID', firstId!);
    const channel = store.keys.wakeChannel('broker-k');
    await waitFor('the resubscription', async () => {
      const id = await idOf();
      return id !== undefined && id !== firstId && (await subscribers(channel)) === 1;
    });
    const release = await queueBehindHolder(store, 't-k', 'broker-k', T0);
    await release();
    await waitFor('the wake-up after the kill', () => woken.length === 1);
    expect(woken).toEqual(['t-k']);

    await subscription.close();
    expect(await subscribers(channel)).toBe(0);
    expect(await idOf()).toBeUndefined();
  });
});

describe('subscribeWakeups over a silent partition', () => {
  let stores: ProxiedStores;

  beforeEach(async () => {
    stores = await openProxiedStores({
      kind: KIND,
      credentialIds: [],
      proxied: { commandTimeoutMs: 400, connectTimeoutMs: 400 },
    });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) await subscription.close();
    await stores.close();
  });

  it('drops a connection whose PINGs go unanswered, and hears wake-ups again once healed', async () => {
    const woken: string[] = [];
    await subscribe(stores.proxied, 'broker-p', woken);
    const channel = stores.direct.keys.wakeChannel('broker-p');
    expect(await subscribers(channel)).toBe(1);
    stores.proxy.blackhole();
    // Nothing was closed: only the watchdog can notice. Once it drops the socket, the
    // proxy closes its side to Redis, so the old subscription disappears there.
    await waitFor(
      'the watchdog to drop the dead connection',
      async () => (await subscribers(channel)) === 0,
    );
    stores.proxy.restore();
    await waitFor('the resubscription', async () => (await subscribers(channel)) === 1);
    const release = await queueBehindHolder(stores.direct, 't-p', 'broker-p', T0);
    await release();
    await waitFor('the wake-up after the partition', () => woken.length === 1);
    expect(woken).toEqual(['t-p']);
  });
});
