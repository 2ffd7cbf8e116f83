import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError, type BrokerClient, type PoolWaitEvent } from '../../src/index.js';
import {
  SHORT_LEASE_BOUNDS,
  startBroker,
  telegramPayload,
  uniqueKind,
  type RunningBroker,
  type CredentialStore,
} from './broker.js';
import { summaryOf } from './lease-status.js';

async function rejectionOf(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BrokerError);
  return error as BrokerError;
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

/** Resolves when `signal` aborts, with its reason. */
function abortOf(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** Resolves once `predicate` holds, checking every 20 ms; fails after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The client against the real broker app over one store. `openStore` returns a fresh,
 * isolated store; `closeStore` cleans it up.
 */
export function describeClientSuite(
  name: string,
  openStore: () => Promise<CredentialStore>,
  closeStore: (store: CredentialStore) => Promise<void> = (store) => store.close(),
): void {
  describe(`client against the broker (${name})`, () => {
    let store: CredentialStore;
    let broker: RunningBroker;
    let shortBroker: RunningBroker;
    let admin: BrokerClient;
    let ci: BrokerClient;

    beforeAll(async () => {
      store = await openStore();
      broker = await startBroker(store);
      // Same store, small lease bounds: leases can be lost within a second.
      shortBroker = await startBroker(store, { leaseBounds: SHORT_LEASE_BOUNDS });
      admin = broker.client('maintainer');
      ci = broker.client('ci');
    });
    afterAll(async () => {
      await broker?.stop();
      await shortBroker?.stop();
      if (store) await closeStore(store);
    });

    it('leases, heartbeats and releases a credential, with a typed payload', async () => {
      const kind = 'telegram';
      const added = await admin.addCredential({
        kind,
        payload: { ...telegramPayload(7), groupId: ' -1007 ' },
        note: 'lifecycle',
      });
      // Other tests use unique kinds; this one owns the telegram pool of this store.
      const lease = await ci.acquireLease(kind, { waitTimeoutMs: 1_000 });
      expect(lease.credentialId).toBe(added.credentialId);
      expect(lease.payload.groupId).toBe('-1007');
      expect(lease.payload.driverToken).toBe('fake-driver-token-7');
      expect(lease.state).toBe('held');
      expect(lease.ownerId).toBe(ci.ownerId);
      expect(lease.leaseTtlMs).toBe(1_200_000);
      expect(lease.heartbeatIntervalMs).toBe(30_000);
      expect(lease.fencingToken).toBeGreaterThan(0);
      const firstExpiry = lease.expiresAtMs;
      expect(firstExpiry).toBeGreaterThan(Date.now() + 1_000_000);

      const leased = await summaryOf(admin, kind, lease.credentialId);
      expect(leased.lease).toMatchObject({ ownerId: ci.ownerId, actorRole: 'ci' });

      await new Promise((resolve) => setTimeout(resolve, 5));
      await lease.heartbeat();
      expect(lease.expiresAtMs).toBeGreaterThanOrEqual(firstExpiry);

      await lease.release();
      await lease.release();
      expect(lease.state).toBe('released');
      expect(lease.signal.aborted).toBe(false);
      expect((await summaryOf(admin, kind, lease.credentialId)).lease).toBeUndefined();
      expect((await rejectionOf(lease.heartbeat())).code).toBe('LEASE_NOT_FOUND');

      const again = await ci.acquireLease(kind);
      expect(again.fencingToken).toBeGreaterThan(lease.fencingToken);
      await again.release();
    });

    it('passes the requested TTL and interval, and refuses out-of-range ones at once', async () => {
      const kind = uniqueKind('bounds');
      await admin.addCredential({ kind, payload: { secret: 'fake' } });
      const lease = await ci.acquireLease(kind, {
        leaseTtlMs: 60_000,
        heartbeatIntervalMs: 10_000,
      });
      expect({ ttl: lease.leaseTtlMs, interval: lease.heartbeatIntervalMs }).toEqual({
        ttl: 60_000,
        interval: 10_000,
      });
      await lease.release();
      const error = await rejectionOf(ci.acquireLease(kind, { leaseTtlMs: 1_000 }));
      expect(error).toMatchObject({ code: 'INVALID_LEASE_TTL', httpStatus: 400, transient: false });
    });

    it('withLease releases after a throwing callback and returns the value otherwise', async () => {
      const kind = uniqueKind('with');
      const { credentialId } = await admin.addCredential({ kind, payload: { token: 'fake' } });
      const boom = new Error('callback failed');
      await expect(
        ci.withLease(kind, (lease) => {
          expect(lease.credentialId).toBe(credentialId);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();

      const value = await ci.withLease(kind, (lease) => Promise.resolve(lease.payload.token));
      expect(value).toBe('fake');
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();
    });

    it('releases at the end of an `await using` scope', async () => {
      const kind = uniqueKind('using');
      const { credentialId } = await admin.addCredential({ kind, payload: { a: 1 } });
      {
        await using lease = await ci.acquireLease(kind);
        expect((await summaryOf(admin, kind, lease.credentialId)).lease).toBeDefined();
      }
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();
    });

    it('polls an exhausted pool with queue: false and gets the credential when the holder releases it', async () => {
      const kind = uniqueKind('wait');
      const { credentialId } = await admin.addCredential({ kind, payload: { n: 1 } });
      const holder = await broker.client('maintainer').acquireLease(kind);
      const events: PoolWaitEvent[] = [];
      const waiting = ci.acquireLease(kind, {
        queue: false,
        waitTimeoutMs: 20_000,
        onWait: (event) => {
          events.push(event);
          if (events.length === 1) void holder.release();
        },
      });
      const lease = await waiting;
      expect(lease.credentialId).toBe(credentialId);
      expect(events[0]).toMatchObject({ attempt: 1, nextDelayMs: 2_000, waitTimeoutMs: 20_000 });
      expect(events[0]!.error.code).toBe('POOL_EXHAUSTED');
      expect(lease.fencingToken).toBeGreaterThan(holder.fencingToken);
      await lease.release();
    });

    it('gives up polling after the wait with the last POOL_EXHAUSTED error', async () => {
      const kind = uniqueKind('empty');
      const started = Date.now();
      const error = await rejectionOf(ci.acquireLease(kind, { queue: false, waitTimeoutMs: 300 }));
      expect(error).toMatchObject({ code: 'POOL_EXHAUSTED', httpStatus: 409, transient: false });
      expect(error.message).toContain(`No available credential for kind "${kind}".`);
      expect(error.message).toMatch(/Waited \d+\.\d s \(limit 0\.3 s\)/);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('stops polling when the signal fires', async () => {
      const kind = uniqueKind('cancel');
      const controller = new AbortController();
      const waiting = ci.acquireLease(kind, {
        queue: false,
        signal: controller.signal,
        onWait: () => controller.abort(new Error('test cancelled')),
      });
      const error = await rejectionOf(waiting);
      expect(error.code).toBe('ABORTED');
      expect((error.cause as Error).message).toBe('test cancelled');
    });

    it('gives back a grant that arrives after the signal fired', async () => {
      const kind = uniqueKind('late');
      const { credentialId } = await admin.addCredential({ kind, payload: { n: 1 } });
      const controller = new AbortController();
      const client = broker.client('ci', {
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (urlOf(input).endsWith('/acquire')) controller.abort(new Error('too late'));
          return response;
        },
      });
      const error = await rejectionOf(client.acquireLease(kind, { signal: controller.signal }));
      expect(error.code).toBe('ABORTED');
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();
    });

    it('releases when the payload check refuses or throws', async () => {
      const kind = uniqueKind('check');
      const { credentialId } = await admin.addCredential({ kind, payload: { ok: false } });
      const refused = await rejectionOf(ci.acquireLease(kind, { validate: (p) => p.ok === true }));
      expect(refused.code).toBe('PAYLOAD_REJECTED');
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();

      const thrown = new Error('bad payload');
      await expect(
        ci.withLease(kind, () => 'never', {
          validate: () => {
            throw thrown;
          },
        }),
      ).rejects.toBe(thrown);
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();
    });

    it('hydrates a chunked payload with non-ASCII text and checks it against the marker', async () => {
      const kind = uniqueKind('chunked');
      const text = 'é✓😀'.repeat(60_000) + 'x'.repeat(300_000);
      const payload = { text, nested: { list: [1, 2, 3], note: 'ünïcødé' } };
      expect(JSON.stringify(payload).length).toBeGreaterThan(256_000 * 2);
      const { credentialId } = await admin.addCredential({ kind, payload });

      const chunkReads: string[] = [];
      const counting = broker.client('ci', {
        fetch: (input, init) => {
          if (urlOf(input).endsWith('/payload-chunk')) {
            chunkReads.push(typeof init?.body === 'string' ? init.body : '');
          }
          return fetch(input, init);
        },
      });
      const lease = await counting.acquireLease(kind);
      expect(lease.payload).toEqual(payload);
      expect(chunkReads.length).toBeGreaterThanOrEqual(3);
      expect(chunkReads.map((body) => (JSON.parse(body) as { index: number }).index)).toEqual(
        chunkReads.map((_, index) => index),
      );
      await lease.release();

      const small = broker.client('ci', { payloadMaxBytes: 300_000 });
      const error = await rejectionOf(small.acquireLease(kind));
      expect(error.code).toBe('PAYLOAD_TOO_LARGE_FOR_CLIENT');
      expect(error.message).not.toContain('é✓');
      expect((await summaryOf(admin, kind, credentialId)).lease).toBeUndefined();
    });

    it('refuses an oversized payload before sending it', async () => {
      const small = broker.client('maintainer', { payloadMaxBytes: 1_000 });
      const error = await rejectionOf(
        small.addCredential({ kind: uniqueKind('big'), payload: { blob: 'y'.repeat(2_000) } }),
      );
      expect(error.code).toBe('PAYLOAD_TOO_LARGE_FOR_CLIENT');
    });

    it('marks the lease lost and aborts its signal when another holder takes it over', async () => {
      const kind = uniqueKind('takeover');
      await admin.addCredential({ kind, payload: { n: 1 } });
      const lease = await shortBroker
        .client('ci')
        .acquireLease(kind, { leaseTtlMs: 30_000, heartbeatIntervalMs: 100 });
      // By the store's clock a minute from now the lease has expired; someone else takes it.
      const takeover = await store.acquire({
        kind,
        ownerId: 'other-holder',
        actorRole: 'ci',
        leaseToken: `fake-${randomUUID()}`,
        leaseTtlMs: 30_000,
        nowMs: (await store.now()) + 60_000,
      });
      expect(takeover.ok).toBe(true);

      const reason = await abortOf(lease.signal);
      expect(reason).toBeInstanceOf(BrokerError);
      expect(reason).toMatchObject({ code: 'LEASE_LOST' });
      expect(((reason as BrokerError).cause as BrokerError).code).toBe('LEASE_NOT_OWNER');
      expect(lease.state).toBe('lost');
      expect(await rejectionOf(lease.heartbeat())).toBe(reason);
      // Nothing of ours is left to give back; release must not throw.
      await expect(lease.release()).resolves.toBeUndefined();
      expect((await summaryOf(admin, kind, lease.credentialId)).lease?.ownerId).toBe(
        'other-holder',
      );
    });

    it('marks the lease lost when the broker stops answering past the TTL', async () => {
      const kind = uniqueKind('gone');
      await admin.addCredential({ kind, payload: { n: 1 } });
      const flaky = await startBroker(store, { leaseBounds: SHORT_LEASE_BOUNDS });
      const lease = await flaky
        .client('ci', { httpTimeoutMs: 300 })
        .acquireLease(kind, { leaseTtlMs: 600, heartbeatIntervalMs: 100 });
      const started = performance.now();
      await flaky.stop();
      const reason = (await abortOf(lease.signal)) as BrokerError;
      expect(reason.code).toBe('LEASE_LOST');
      expect(reason.message).toContain('600 ms TTL');
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(lease.state).toBe('lost');
    });

    it('retries a heartbeat after a transient failure and keeps the lease', async () => {
      const kind = uniqueKind('blip');
      await admin.addCredential({ kind, payload: { n: 1 } });
      const blippy = await startBroker(store, { leaseBounds: SHORT_LEASE_BOUNDS });
      const lease = await blippy
        .client('ci', { httpTimeoutMs: 300 })
        .acquireLease(kind, { leaseTtlMs: 3_000, heartbeatIntervalMs: 100 });
      await blippy.stop();
      // The next beat fails (connection refused); the retry comes 1 s later.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const expiryDuringOutage = lease.expiresAtMs;
      await blippy.restart();
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(lease.signal.aborted).toBe(false);
      expect(lease.state).toBe('held');
      expect(lease.expiresAtMs).toBeGreaterThan(expiryDuringOutage);
      await lease.release();
      await blippy.stop();
    });

    it('keeps a lease alive by itself past its TTL', async () => {
      const kind = uniqueKind('alive');
      await admin.addCredential({ kind, payload: { n: 1 } });
      const lease = await shortBroker
        .client('ci')
        .acquireLease(kind, { leaseTtlMs: 700, heartbeatIntervalMs: 100 });
      const firstExpiry = lease.expiresAtMs;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(lease.signal.aborted).toBe(false);
      expect(lease.expiresAtMs).toBeGreaterThan(firstExpiry);
      await lease.release();
    });

    it('fails at once on a wrong token or role, without waiting', async () => {
      const wrong = broker.client('ci', { token: 'fake-wrong-token' });
      const invalid = await rejectionOf(wrong.acquireLease(uniqueKind('auth')));
      expect(invalid).toMatchObject({ code: 'AUTH_INVALID', httpStatus: 401, transient: false });
      const notAdmin = await rejectionOf(ci.listCredentials());
      expect(notAdmin).toMatchObject({ code: 'AUTH_ROLE_MISMATCH', httpStatus: 403 });
      const missing = await rejectionOf(admin.removeCredential('no-such-credential'));
      expect(missing).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND', httpStatus: 404 });
    });

    describe('the wait queue', () => {
      /** A ci client whose queued asks stay open 600 ms (2 s under its HTTP timeout). */
      const shortParkClient = () => broker.client('ci', { httpTimeoutMs: 2_600 });
      const waitersOf = async (kind: string) =>
        (await admin.listQueue({ kind })).flatMap((queue) => queue.waiters);

      it('waits under one ticket, kept across re-asks, and gets the credential when the holder releases it', async () => {
        const kind = uniqueKind('queue');
        const { credentialId } = await admin.addCredential({ kind, payload: { n: 1 } });
        const holder = await admin.acquireLease(kind);
        const waiter = shortParkClient();
        const events: PoolWaitEvent[] = [];
        const waiting = waiter.acquireLease(kind, {
          waitTimeoutMs: 20_000,
          onWait: (event) => events.push(event),
        });
        // Awaited below; a failure before then should fail this test, not the run.
        waiting.catch(() => undefined);
        // The first ask and at least one that stayed open.
        await until(() => events.length >= 2);
        const [first, ...others] = await waitersOf(kind);
        expect(others).toEqual([]);
        expect(first).toMatchObject({
          position: 1,
          ownerId: waiter.ownerId,
          actorRole: 'ci',
          priority: 0,
          mode: 'parked',
        });
        expect(first!.ticketFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
        await until(() => events.length >= 4);
        // Still one waiter, under the same ticket: every re-ask kept the place.
        expect((await waitersOf(kind)).map((w) => w.ticketFingerprint)).toEqual([
          first!.ticketFingerprint,
        ]);
        expect(
          events.every(
            (e) => e.queued && e.position === 1 && e.queueLength === 1 && e.nextDelayMs === 0,
          ),
        ).toBe(true);

        await holder.release();
        const lease = await waiting;
        expect(lease.credentialId).toBe(credentialId);
        expect(lease.fencingToken).toBeGreaterThan(holder.fencingToken);
        expect(await waitersOf(kind)).toEqual([]);
        await lease.release();
      });

      it('serves waiters in arrival order and tells each its position', async () => {
        const kind = uniqueKind('fifo');
        await admin.addCredential({ kind, payload: { n: 1 } });
        const holder = await admin.acquireLease(kind);
        const first = shortParkClient();
        const second = shortParkClient();
        const firstEvents: PoolWaitEvent[] = [];
        const secondEvents: PoolWaitEvent[] = [];
        const firstWaiting = first.acquireLease(kind, { onWait: (e) => firstEvents.push(e) });
        firstWaiting.catch(() => undefined);
        await until(() => firstEvents.length >= 1);
        const secondWaiting = second.acquireLease(kind, { onWait: (e) => secondEvents.push(e) });
        secondWaiting.catch(() => undefined);
        await until(() => secondEvents.length >= 1);
        expect(secondEvents[0]).toMatchObject({ queued: true, position: 2, queueLength: 2 });
        expect((await waitersOf(kind)).map((w) => w.ownerId)).toEqual([
          first.ownerId,
          second.ownerId,
        ]);

        await holder.release();
        const firstLease = await firstWaiting;
        expect(firstLease.ownerId).toBe(first.ownerId);
        await until(() => secondEvents.some((e) => e.position === 1));
        await firstLease.release();
        const secondLease = await secondWaiting;
        expect(secondLease.fencingToken).toBeGreaterThan(firstLease.fencingToken);
        await secondLease.release();
      });

      it('stops at once when cancelled while the broker holds its request open', async () => {
        const kind = uniqueKind('queue-cancel');
        const { credentialId } = await admin.addCredential({ kind, payload: { n: 1 } });
        const holder = await admin.acquireLease(kind);
        const controller = new AbortController();
        const events: PoolWaitEvent[] = [];
        // A 20 s HTTP timeout lets an ask stay open 18 s.
        const waiting = broker.client('ci', { httpTimeoutMs: 20_000 }).acquireLease(kind, {
          signal: controller.signal,
          onWait: (event) => {
            events.push(event);
            setTimeout(() => controller.abort(new Error('test cancelled')), 300);
          },
        });
        const started = Date.now();
        const error = await rejectionOf(waiting);
        expect(error.code).toBe('ABORTED');
        // Far sooner than the held-open ask would have ended.
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(events).toHaveLength(1);
        const summary = await summaryOf(admin, kind, credentialId);
        expect(summary.lease?.ownerId).toBe(admin.ownerId);
        await holder.release();
      });

      it('gives up after the wait timeout with its place in the message', async () => {
        const kind = uniqueKind('queue-empty');
        const error = await rejectionOf(
          shortParkClient().acquireLease(kind, { waitTimeoutMs: 1_000 }),
        );
        expect(error).toMatchObject({
          code: 'POOL_EXHAUSTED',
          queue: { waiting: true, position: 1 },
        });
        expect(error.message).toMatch(/position 1 of 1.*Waited \d+\.\d s \(limit 1\.0 s\)/);
      });
    });

    it('adds, lists and disables credentials', async () => {
      const kind = uniqueKind('admin');
      const added = await admin.addCredential({
        kind,
        payload: { key: 'fake' },
        note: 'n1',
        actorId: 'tester',
      });
      expect(added).toMatchObject({ kind, status: 'active', note: 'n1' });
      expect(added.payload).toBeUndefined();
      const listed = await admin.listCredentials({ kind, includePayload: true });
      expect(listed).toHaveLength(1);
      expect(listed[0]!.payload).toEqual({ key: 'fake' });
      const removed = await admin.removeCredential(added.credentialId, { actorId: 'tester' });
      expect(removed).toMatchObject({ changed: true, credential: { status: 'disabled' } });
      expect((await admin.removeCredential(added.credentialId)).changed).toBe(false);
      expect(await admin.listCredentials({ kind, status: 'active' })).toEqual([]);

      const page = await admin.listEvents({ credentialId: added.credentialId, limit: 1 });
      expect(page.events.map((event) => [event.category, event.eventType])).toEqual([
        ['admin', 'add'],
      ]);
      expect(page.nextCursor).toEqual(expect.any(String));
      const rest = await admin.listEvents({
        credentialId: added.credentialId,
        ...(page.nextCursor ? { cursor: page.nextCursor } : {}),
      });
      expect(rest.events.map((event) => event.eventType)).toEqual(['disable']);
      expect(rest).not.toHaveProperty('nextCursor');
      expect(await rejectionOf(ci.listEvents())).toMatchObject({ code: 'AUTH_ROLE_MISMATCH' });
    });
  });
}
