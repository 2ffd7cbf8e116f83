import { randomUUID } from 'node:crypto';
import type { AcquireOk, ErrorBody } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedLeaseToken } from '../../src/lease-token.js';
import { ticketIdOf } from '../../src/queue/ticket-seal.js';
import { expectError, okBody } from './expect-response.js';
import { telegramPayload, uniqueKind } from './fixtures.js';
import { CI_SECRET, MAINTAINER_SECRET, startHarness } from './harness.js';
import type { BrokerHarness } from './harness.js';

const newTicket = () => `ticket-${randomUUID()}`;

/**
 * The wait queue over HTTP (spec/broker-additions.md §1) against one store, with two
 * broker apps on that store: a request parks on one, the release that frees its credential
 * arrives on the other. `openStore` must return a fresh, empty, isolated store.
 */
export function describeQueueHttp(name: string, openStore: () => Promise<CredentialStore>): void {
  describe(`wait queue over HTTP (${name})`, () => {
    let store: CredentialStore;
    let a: BrokerHarness;
    let b: BrokerHarness;

    beforeAll(async () => {
      store = await openStore();
      a = await startHarness(store);
      b = await startHarness(store);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await store?.close();
    });

    async function addCredential(kind: string) {
      return okBody(await a.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }))
        .credential;
    }

    /** A kind with one credential, held by a v1 lease through broker b. */
    async function heldKind() {
      const kind = uniqueKind('q');
      await addCredential(kind);
      const holder = okBody(
        await b.ci.acquire({ body: { kind, ownerId: 'holder', actorRole: 'ci' } }),
      );
      const release = async () =>
        okBody(
          await b.ci.release({
            body: {
              kind,
              ownerId: 'holder',
              actorRole: 'ci',
              credentialId: holder.credentialId,
              leaseToken: holder.leaseToken,
            },
          }),
        );
      return { kind, holder, release };
    }

    function ask(
      h: BrokerHarness,
      kind: string,
      ticket: string,
      extra: { ownerId?: string; maxWaitMs?: number; priority?: number; maintainer?: boolean } = {},
    ) {
      const role = extra.maintainer ? 'maintainer' : 'ci';
      return (extra.maintainer ? h.maintainer : h.ci).acquire({
        body: {
          kind,
          ownerId: extra.ownerId ?? `job-${ticket.slice(-6)}`,
          actorRole: role,
          wait: {
            ticket,
            maxWaitMs: extra.maxWaitMs ?? 10_000,
            ...(extra.priority === undefined ? {} : { priority: extra.priority }),
          },
        },
      });
    }

    async function waitUntil(check: () => Promise<boolean>, what: string, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`timed out waiting until ${what}`);
    }

    async function queueOf(kind: string) {
      const listed = okBody(await a.maintainer.admin.queue({ body: { kind } }));
      return listed.queues.find((queue) => queue.kind === kind)?.waiters ?? [];
    }

    it('grants at once when a credential is free, echoing the ticket with waitedMs 0', async () => {
      const kind = uniqueKind('q');
      const credential = await addCredential(kind);
      const ticket = newTicket();
      const lease = okBody(await ask(a, kind, ticket));
      expect(lease).toMatchObject({
        status: 'ok',
        credentialId: credential.credentialId,
        ticket,
        waitedMs: 0,
        fencingToken: 1,
      });
    });

    it('checks wait fields after the v1 type checks and before the v1 range checks', async () => {
      const kind = uniqueKind('q');
      const send = (body: Record<string, unknown>, token = CI_SECRET) =>
        a.raw('/qa-credentials/v1/acquire', {
          token,
          body: { kind, ownerId: 'o', actorRole: 'ci', ...body },
        });
      const cases: [Record<string, unknown>, number, string, RegExp][] = [
        [{ wait: 'soon' }, 400, 'INVALID_BODY', /"wait"/],
        [{ wait: { ticket: 'short' } }, 400, 'INVALID_BODY', /wait\.ticket/],
        [{ wait: { ticket: 'x'.repeat(15) + '!' } }, 400, 'INVALID_BODY', /wait\.ticket/],
        [
          { wait: { ticket: newTicket(), maxWaitMs: 30_001 } },
          400,
          'INVALID_BODY',
          /wait\.maxWaitMs/,
        ],
        [{ wait: { ticket: newTicket(), maxWaitMs: -1 } }, 400, 'INVALID_BODY', /wait\.maxWaitMs/],
        [{ wait: { ticket: newTicket(), priority: 101 } }, 400, 'INVALID_BODY', /wait\.priority/],
        [{ wait: { ticket: newTicket(), priority: 1.5 } }, 400, 'INVALID_BODY', /wait\.priority/],
        // The role check on priority comes before leaseTtlMs's range check.
        [
          { leaseTtlMs: 1, wait: { ticket: newTicket(), priority: 1 } },
          403,
          'AUTH_ROLE_MISMATCH',
          /maintainer/,
        ],
        [{ leaseTtlMs: 1, wait: { ticket: 'short' } }, 400, 'INVALID_BODY', /wait\.ticket/],
        // A type error before wait still wins.
        [
          { heartbeatIntervalMs: 'x', wait: { ticket: 'short' } },
          400,
          'INVALID_BODY',
          /heartbeatIntervalMs/,
        ],
      ];
      for (const [body, status, code, message] of cases) {
        const response = await send(body);
        const error = response.json as ErrorBody;
        expect({ status: response.status, code: error.code }, JSON.stringify(body)).toEqual({
          status,
          code,
        });
        expect(error.message).toMatch(message);
      }
      // wait: null is the v1 acquire.
      await addCredential(kind);
      const v1 = await send({ wait: null });
      expect(v1.status).toBe(200);
      expect(v1.json).not.toHaveProperty('ticket');
    });

    it('maxWaitMs 0 queues and answers at once: 409 waiting with place, ticket and Retry-After 0', async () => {
      const { kind } = await heldKind();
      const ticket = newTicket();
      const started = Date.now();
      const response = await ask(a, kind, ticket, { maxWaitMs: 0 });
      expect(Date.now() - started).toBeLessThan(2_000);
      const body = expectError(response, 409, 'POOL_EXHAUSTED');
      expect(body).toMatchObject({
        waiting: true,
        ticket,
        position: 1,
        queueLength: 1,
        retryAfterMs: 0,
      });
      expect(response.headers.get('retry-after')).toBe('0');
      const second = expectError(
        await ask(a, kind, newTicket(), { maxWaitMs: 0 }),
        409,
        'POOL_EXHAUSTED',
      );
      expect(second).toMatchObject({ position: 2, queueLength: 2 });
    });

    it('a parked request is granted as soon as the holder releases on another broker', async () => {
      const { kind, holder, release } = await heldKind();
      const ticket = newTicket();
      const parked = ask(a, kind, ticket);
      await waitUntil(async () => (await queueOf(kind)).length === 1, 'the ticket is queued');
      const releasedAt = Date.now();
      await release();
      const lease = okBody(await parked);
      expect(Date.now() - releasedAt).toBeLessThan(1_000);
      expect(lease).toMatchObject({ credentialId: holder.credentialId, ticket, fencingToken: 2 });
      expect(lease.waitedMs).toBeGreaterThan(0);
    });

    it('serves waiters first come, first served across brokers, and priority first', async () => {
      const { kind, release } = await heldKind();
      const [first, second, urgent] = [newTicket(), newTicket(), newTicket()];
      const grants: string[] = [];
      const track = (label: string, answer: Promise<{ status: number; body: unknown }>) =>
        answer.then((response) => {
          const lease = okBody(response as { status: 200; body: AcquireOk; headers: Headers });
          grants.push(label);
          return lease;
        });
      const firstLease = track('first', ask(a, kind, first));
      await waitUntil(async () => (await queueOf(kind)).length === 1, 'first is queued');
      const secondLease = track('second', ask(b, kind, second));
      await waitUntil(async () => (await queueOf(kind)).length === 2, 'second is queued');
      const urgentLease = track('urgent', ask(b, kind, urgent, { priority: 10, maintainer: true }));
      await waitUntil(async () => (await queueOf(kind)).length === 3, 'urgent is queued');
      expect((await queueOf(kind)).map((waiter) => waiter.priority)).toEqual([10, 0, 0]);

      const handOn = async (lease: AcquireOk, ownerId: string, role: 'ci' | 'maintainer') => {
        okBody(
          await (role === 'ci' ? a.ci : a.maintainer).release({
            body: {
              kind,
              ownerId,
              actorRole: role,
              credentialId: lease.credentialId,
              leaseToken: lease.leaseToken,
            },
          }),
        );
      };
      await release();
      await handOn(await urgentLease, `job-${urgent.slice(-6)}`, 'maintainer');
      await handOn(await firstLease, `job-${first.slice(-6)}`, 'ci');
      await secondLease;
      expect(grants).toEqual(['urgent', 'first', 'second']);
    });

    it('a granted ticket re-asked on any broker returns the same lease', async () => {
      const kind = uniqueKind('q');
      await addCredential(kind);
      const ticket = newTicket();
      const lease = okBody(await ask(a, kind, ticket));
      const again = okBody(await ask(b, kind, ticket));
      expect(again).toMatchObject({
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        fencingToken: lease.fencingToken,
        expiresAtMs: lease.expiresAtMs,
        ticket,
      });
      // The store keeps neither the ticket nor the token in clear.
      const [listed] = await store.listQueues({ kind, limit: 10 });
      expect(JSON.stringify(listed ?? {})).not.toContain(ticket);
    });

    it('a waiter that disconnects leaves no credential idle: the next waiter gets it', async () => {
      const { kind, holder, release } = await heldKind();
      const gone = new AbortController();
      const goneTicket = newTicket();
      const abandoned = a
        .raw('/qa-credentials/v1/acquire', {
          token: CI_SECRET,
          signal: gone.signal,
          body: {
            kind,
            ownerId: 'leaver',
            actorRole: 'ci',
            wait: { ticket: goneTicket, maxWaitMs: 20_000 },
          },
        })
        .catch(() => 'aborted');
      await waitUntil(async () => (await queueOf(kind)).length === 1, 'the leaver is queued');
      const stayer = newTicket();
      const staying = ask(b, kind, stayer, { maxWaitMs: 20_000 });
      await waitUntil(async () => (await queueOf(kind)).length === 2, 'the stayer is queued');
      gone.abort();
      expect(await abandoned).toBe('aborted');
      // The broker notices the closed connection (a grant delivered before it does is the
      // leaver's to re-ask for, as the spec says); then the grant must not stay with it.
      await waitUntil(
        () => Promise.resolve(a.controls.parkedRequests() === 0),
        'broker a sees the leaver go',
      );
      const releasedAt = Date.now();
      await release();
      const lease = okBody(await staying);
      expect(lease.credentialId).toBe(holder.credentialId);
      // Within the pickup grace at worst, normally at once (the broker hands it on).
      expect(Date.now() - releasedAt).toBeLessThan(6_000);
    });

    it('hands an expired lease on at expiry without any acquire call', async () => {
      const kind = uniqueKind('q');
      const credential = await addCredential(kind);
      const now = await store.now();
      // A lease that expires one second from now (30 s TTL taken 29 s ago).
      const stale = await store.acquire({
        kind,
        ownerId: 'stale',
        actorRole: 'ci',
        leaseToken: storedLeaseToken('fake-stale-token'),
        leaseTtlMs: 30_000,
        nowMs: now - 29_000,
      });
      expect(stale.ok).toBe(true);
      const lease = okBody(await ask(a, kind, newTicket(), { maxWaitMs: 10_000 }));
      expect(lease.credentialId).toBe(credential.credentialId);
      expect(lease.waitedMs).toBeGreaterThanOrEqual(500);
      expect(lease.waitedMs).toBeLessThan(3_000);
    });

    it('old polling clients and ticket clients mixed both progress', async () => {
      const { kind, release } = await heldKind();
      const ticketed = ask(a, kind, newTicket(), { maxWaitMs: 15_000 });
      await waitUntil(async () => (await queueOf(kind)).length === 1, 'the ticket is queued');
      const refused = await b.ci.acquire({
        body: { kind, ownerId: 'old-client', actorRole: 'ci' },
      });
      const refusal = expectError(refused, 409, 'POOL_EXHAUSTED');
      expect(refusal).toMatchObject({ position: 2, queueLength: 2 });
      expect(refusal).not.toHaveProperty('waiting');
      expect(refusal.retryAfterMs).toBe(500);
      await release();
      const first = okBody(await ticketed);
      // The old client polls; once the ticket holder releases, the credential is reserved for it.
      okBody(
        await a.ci.release({
          body: {
            kind,
            ownerId: `job-${(first.ticket ?? '').slice(-6)}`,
            actorRole: 'ci',
            credentialId: first.credentialId,
            leaseToken: first.leaseToken,
          },
        }),
      );
      const polled = okBody(
        await b.ci.acquire({ body: { kind, ownerId: 'old-client', actorRole: 'ci' } }),
      );
      expect(polled.credentialId).toBe(first.credentialId);
      expect(polled).not.toHaveProperty('ticket');
    });

    it('admin/queue shows fingerprints, owners and modes, never a ticket, and bounds its limit', async () => {
      const { kind } = await heldKind();
      const ticket = newTicket();
      await ask(a, kind, ticket, { maxWaitMs: 0, ownerId: 'job-visible' });
      const response = await a.maintainer.admin.queue({ body: { kind } });
      const body = okBody(response);
      expect(body.queues).toEqual([
        {
          kind,
          waiters: [
            {
              position: 1,
              ticketFingerprint: `sha256:${ticketIdOf(ticket).slice(0, 16)}`,
              ownerId: 'job-visible',
              actorRole: 'ci',
              priority: 0,
              waitedMs: expect.any(Number) as number,
              mode: 'parked',
            },
          ],
        },
      ]);
      expect(JSON.stringify(body)).not.toContain(ticket);
      for (const limit of [0, 501]) {
        expectError(
          await a.maintainer.admin.queue({ body: { limit } }),
          400,
          'INVALID_LIST_LIMIT',
          'limit must be between 1 and 500.',
        );
      }
      expectError(await a.ci.admin.queue({ body: {} }), 403, 'AUTH_ROLE_MISMATCH');
      const raw = await a.raw('/qa-credentials/v1/admin/queue', {
        token: MAINTAINER_SECRET,
        body: { limit: 'x' },
      });
      expect(raw.status).toBe(400);
    });

    it('TICKET_CONFLICT when another owner presents a queued ticket', async () => {
      const { kind } = await heldKind();
      const ticket = newTicket();
      await ask(a, kind, ticket, { maxWaitMs: 0, ownerId: 'job-1' });
      expectError(
        await ask(b, kind, ticket, { maxWaitMs: 0, ownerId: 'job-2' }),
        409,
        'TICKET_CONFLICT',
      );
    });

    it('drain answers parked requests with their waiting answer at once', async () => {
      const { kind } = await heldKind();
      const c = await startHarness(store);
      try {
        const ticket = newTicket();
        const parked = ask(c, kind, ticket, { maxWaitMs: 20_000 });
        await waitUntil(async () => (await queueOf(kind)).length === 1, 'the ticket is queued');
        const drainedAt = Date.now();
        c.controls.drain();
        const body = expectError(await parked, 409, 'POOL_EXHAUSTED');
        expect(Date.now() - drainedAt).toBeLessThan(1_000);
        expect(body).toMatchObject({ waiting: true, ticket, position: 1 });
      } finally {
        await c.close();
      }
    });

    it('QUEUE_FULL (503, Retry-After) once queueMax tickets wait', async () => {
      const { kind } = await heldKind();
      const small = await startHarness(store, { queueMax: 1 });
      try {
        await ask(small, kind, newTicket(), { maxWaitMs: 0 });
        const full = await ask(small, kind, newTicket(), { maxWaitMs: 0 });
        const body = expectError(full, 503, 'QUEUE_FULL');
        expect(body.retryAfterMs).toBe(1_000);
        expect(full.headers.get('retry-after')).toBe('1');
      } finally {
        await small.close();
      }
    });

    it('metrics count waiting answers and queue depth', async () => {
      const { kind } = await heldKind();
      await ask(a, kind, newTicket(), { maxWaitMs: 0 });
      const metrics = await a.raw('/metrics', { method: 'GET' });
      expect(metrics.text).toContain(`qa_broker_acquire_waiting_total{kind="${kind}"} 1`);
      expect(metrics.text).toContain(
        `qa_broker_pool_credentials{kind="${kind}",state="waiting"} 1`,
      );
    });
  });
}
