/* eslint-disable @typescript-eslint/no-unsafe-assignment -- vitest's asymmetric matchers (expect.any) are typed any */
import { CHUNK_MARKER_KEY, POLICY } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedLeaseToken } from '../../src/lease-token.js';
import { uniqueKind, telegramPayload } from './fixtures.js';
import { expectError, okBody } from './expect-response.js';
import { startHarness } from './harness.js';
import type { BrokerHarness } from './harness.js';

/**
 * The broker's HTTP behaviour against one store. Every call goes through the contract's
 * client with response validation on, so each answer is checked against the contract.
 * Adding a store is one line: `describeBrokerHttp('name', () => openStore())`.
 * `openStore` must return a fresh, empty, isolated store; the suite closes it.
 */
export function describeBrokerHttp(name: string, openStore: () => Promise<CredentialStore>): void {
  describe(`broker over HTTP (${name})`, () => {
    let store: CredentialStore;
    let h: BrokerHarness;

    beforeAll(async () => {
      store = await openStore();
      h = await startHarness(store);
    });
    afterAll(async () => {
      await h?.close();
      await store?.close();
    });

    async function add(
      kind: string,
      payload: Record<string, unknown> = telegramPayload(),
      extra: { note?: string; status?: 'active' | 'disabled' } = {},
    ) {
      return okBody(await h.maintainer.admin.add({ body: { kind, payload, ...extra } })).credential;
    }

    async function acquire(kind: string, ownerId = 'owner-1', role: 'ci' | 'maintainer' = 'ci') {
      const client = role === 'ci' ? h.ci : h.maintainer;
      return okBody(await client.acquire({ body: { kind, ownerId, actorRole: role } }));
    }

    /** A lease granted two minutes ago with the minimum TTL: expired by the store's clock. */
    async function expiredLease(kind: string, ownerId = 'owner-old') {
      const credential = await add(kind);
      const leaseToken = 'fake-expired-lease-token';
      const now = await store.now();
      const granted = await store.acquire({
        kind,
        ownerId,
        actorRole: 'ci',
        leaseToken: storedLeaseToken(leaseToken),
        leaseTtlMs: 30_000,
        nowMs: now - 120_000,
      });
      expect(granted.ok).toBe(true);
      return { credentialId: credential.credentialId, leaseToken, ownerId };
    }

    describe('admin/add', () => {
      it('stores the normalized payload and answers a summary without payload or lease', async () => {
        const kind = 'telegram';
        const before = await store.now();
        const response = await h.maintainer.admin.add({
          body: {
            kind: `  ${kind} `,
            payload: {
              groupId: ' -1001 ',
              driverToken: ' fake-d ',
              sutToken: 'fake-s',
              extra: 'dropped',
            },
            note: '  first  ',
            actorId: 'tester',
          },
        });
        const { credential } = okBody(response);
        expect(credential).toEqual({
          credentialId: expect.any(String),
          kind,
          status: 'active',
          createdAtMs: expect.any(Number),
          updatedAtMs: expect.any(Number),
          lastLeasedAtMs: 0,
          note: 'first',
        });
        expect(credential.createdAtMs).toBeGreaterThanOrEqual(before - 1_000);
        const listed = okBody(
          await h.maintainer.admin.list({ body: { kind, includePayload: true } }),
        ).credentials.find((c) => c.credentialId === credential.credentialId);
        expect(listed?.payload).toEqual({
          groupId: '-1001',
          driverToken: 'fake-d',
          sutToken: 'fake-s',
        });
      });

      it('stores an unknown kind as given, a disabled status, and drops an empty note', async () => {
        const kind = uniqueKind('custom');
        const payload = { anything: { nested: [1, 'two', null] }, ' spaced ': ' kept ' };
        const credential = await add(kind, payload, { status: 'disabled', note: '   ' });
        expect(credential.status).toBe('disabled');
        expect(credential).not.toHaveProperty('note');
        const listed = okBody(
          await h.maintainer.admin.list({ body: { kind, includePayload: true } }),
        );
        expect(listed.credentials[0]?.payload).toEqual(payload);
      });
    });

    describe('acquire', () => {
      it('grants the least recently leased credential with the effective policy values', async () => {
        const kind = uniqueKind('tg');
        const first = await add(kind, telegramPayload(1));
        const second = await add(kind, telegramPayload(2));
        const lease = await acquire(kind);
        expect(lease).toEqual({
          status: 'ok',
          credentialId: first.credentialId,
          leaseToken: expect.any(String),
          payload: telegramPayload(1),
          leaseTtlMs: POLICY.leaseTtlMs.default,
          heartbeatIntervalMs: POLICY.heartbeatIntervalMs.default,
          expiresAtMs: expect.any(Number),
          fencingToken: expect.any(Number),
        });
        expect(lease.leaseToken.length).toBeGreaterThanOrEqual(22);
        const now = await store.now();
        expect(Math.abs(lease.expiresAtMs - (now + POLICY.leaseTtlMs.default))).toBeLessThan(5_000);

        const next = await acquire(kind, 'owner-2');
        expect(next.credentialId).toBe(second.credentialId);
        expect(next.leaseToken).not.toBe(lease.leaseToken);

        // Released first: the one leased longest ago comes back first.
        okBody(
          await h.ci.release({
            body: {
              kind,
              ownerId: 'owner-1',
              actorRole: 'ci',
              credentialId: first.credentialId,
              leaseToken: lease.leaseToken,
            },
          }),
        );
        const again = await acquire(kind, 'owner-3');
        expect(again.credentialId).toBe(first.credentialId);
        expect(again.fencingToken).toBeGreaterThan(lease.fencingToken);
      });

      it('takes the requested TTL and heartbeat interval', async () => {
        const kind = uniqueKind('tg');
        await add(kind);
        const lease = okBody(
          await h.maintainer.acquire({
            body: {
              kind,
              ownerId: 'owner',
              actorRole: 'maintainer',
              leaseTtlMs: 60_000,
              heartbeatIntervalMs: 10_000,
            },
          }),
        );
        expect({ ttl: lease.leaseTtlMs, hb: lease.heartbeatIntervalMs }).toEqual({
          ttl: 60_000,
          hb: 10_000,
        });
        const now = await store.now();
        expect(Math.abs(lease.expiresAtMs - (now + 60_000))).toBeLessThan(5_000);
      });

      it('answers POOL_EXHAUSTED with 409, retryAfterMs 2000 and Retry-After 2', async () => {
        const kind = uniqueKind('empty');
        const response = await h.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } });
        const body = expectError(
          response,
          409,
          'POOL_EXHAUSTED',
          `No available credential for kind "${kind}".`,
        );
        expect(body.retryAfterMs).toBe(2_000);
        expect(response.headers.get('retry-after')).toBe('2');
      });

      it('never grants a disabled credential or one of another kind, but takes an expired lease', async () => {
        const kind = uniqueKind('tg');
        await add(kind, telegramPayload(), { status: 'disabled' });
        await add(uniqueKind('other'));
        expectError(
          await h.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } }),
          409,
          'POOL_EXHAUSTED',
        );

        const expiredKind = uniqueKind('tg');
        const expired = await expiredLease(expiredKind);
        const lease = await acquire(expiredKind, 'new-owner');
        expect(lease.credentialId).toBe(expired.credentialId);
      });

      it('gives 40 concurrent acquires on a pool of 5 exactly 5 distinct grants', async () => {
        const kind = uniqueKind('pool');
        for (let i = 0; i < 5; i++) await add(kind, telegramPayload(i));
        const responses = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            h.ci.acquire({ body: { kind, ownerId: `racer-${i}`, actorRole: 'ci' } }),
          ),
        );
        const granted = responses
          .filter((r) => r.status === 200)
          .map((r) => okBody(r).credentialId);
        const exhausted = responses.filter((r) => r.status === 409);
        expect(granted).toHaveLength(5);
        expect(new Set(granted).size).toBe(5);
        expect(exhausted).toHaveLength(35);
        for (const r of exhausted) expectError(r, 409, 'POOL_EXHAUSTED');
      });
    });

    describe('heartbeat', () => {
      it('extends the lease and returns the new expiry', async () => {
        const kind = uniqueKind('tg');
        await add(kind);
        const lease = await acquire(kind);
        const response = await h.ci.heartbeat({
          body: {
            kind,
            ownerId: 'owner-1',
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            leaseTtlMs: 7_200_000,
          },
        });
        const body = okBody(response);
        expect(Object.keys(body).sort()).toEqual(['expiresAtMs', 'status']);
        const now = await store.now();
        expect(Math.abs(body.expiresAtMs - (now + 7_200_000))).toBeLessThan(5_000);
        const listed = okBody(await h.maintainer.admin.list({ body: { kind } })).credentials[0];
        expect(listed?.lease?.expiresAtMs).toBe(body.expiresAtMs);
      });

      it('answers each failure in the spec order with its code and message', async () => {
        const kind = uniqueKind('tg');
        const hb = (body: {
          kind?: string;
          credentialId: string;
          leaseToken: string;
          ownerId?: string;
        }) =>
          h.ci.heartbeat({
            body: {
              kind: body.kind ?? kind,
              ownerId: body.ownerId ?? 'owner-1',
              actorRole: 'ci',
              credentialId: body.credentialId,
              leaseToken: body.leaseToken,
            },
          });

        expectError(
          await hb({ credentialId: 'no-such-credential', leaseToken: 't' }),
          404,
          'CREDENTIAL_NOT_FOUND',
          'Credential record does not exist.',
        );
        await add(kind);
        const lease = await acquire(kind);
        expectError(
          await hb({
            kind: uniqueKind('x'),
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
          }),
          409,
          'KIND_MISMATCH',
          'Credential kind did not match this lease heartbeat.',
        );
        const disabled = await add(kind, telegramPayload(), { status: 'disabled' });
        expectError(
          await hb({ credentialId: disabled.credentialId, leaseToken: 't' }),
          409,
          'CREDENTIAL_DISABLED',
          'Credential is disabled and cannot be heartbeated.',
        );
        const idle = await add(uniqueKind('idle'));
        expectError(
          await hb({ kind: idle.kind, credentialId: idle.credentialId, leaseToken: 't' }),
          404,
          'LEASE_NOT_FOUND',
          'Credential is not currently leased.',
        );
        expectError(
          await hb({ credentialId: lease.credentialId, leaseToken: 'wrong-token' }),
          409,
          'LEASE_NOT_OWNER',
          'Credential lease owner/token mismatch.',
        );
        expectError(
          await hb({
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            ownerId: 'someone-else',
          }),
          409,
          'LEASE_NOT_OWNER',
        );
        const expiredKind = uniqueKind('tg');
        const expired = await expiredLease(expiredKind);
        expectError(
          await hb({
            kind: expiredKind,
            ownerId: expired.ownerId,
            credentialId: expired.credentialId,
            leaseToken: expired.leaseToken,
          }),
          409,
          'LEASE_EXPIRED',
          'Credential lease has already expired.',
        );
      });
    });

    describe('release', () => {
      it('clears the lease, is idempotent, and frees the credential', async () => {
        const kind = uniqueKind('tg');
        await add(kind);
        const lease = await acquire(kind);
        const body = {
          kind,
          ownerId: 'owner-1',
          actorRole: 'ci' as const,
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
        };
        expect(okBody(await h.ci.release({ body }))).toEqual({ status: 'ok' });
        expect(okBody(await h.ci.release({ body }))).toEqual({ status: 'ok' });
        const listed = okBody(await h.maintainer.admin.list({ body: { kind } })).credentials[0];
        expect(listed).not.toHaveProperty('lease');
        expect((await acquire(kind, 'next')).credentialId).toBe(lease.credentialId);
      });

      it('answers CREDENTIAL_NOT_FOUND, KIND_MISMATCH and LEASE_NOT_OWNER (even when expired)', async () => {
        const kind = uniqueKind('tg');
        await add(kind);
        const lease = await acquire(kind);
        const rel = (
          over: Partial<{
            kind: string;
            credentialId: string;
            leaseToken: string;
            ownerId: string;
          }>,
        ) =>
          h.ci.release({
            body: {
              kind,
              ownerId: 'owner-1',
              actorRole: 'ci',
              credentialId: lease.credentialId,
              leaseToken: lease.leaseToken,
              ...over,
            },
          });
        expectError(await rel({ credentialId: 'missing-id' }), 404, 'CREDENTIAL_NOT_FOUND');
        expectError(
          await rel({ kind: uniqueKind('x') }),
          409,
          'KIND_MISMATCH',
          'Credential kind did not match this lease release.',
        );
        expectError(await rel({ leaseToken: 'wrong' }), 409, 'LEASE_NOT_OWNER');
        const expiredKind = uniqueKind('tg');
        const expired = await expiredLease(expiredKind);
        expectError(
          await h.ci.release({
            body: {
              kind: expiredKind,
              ownerId: 'intruder',
              actorRole: 'ci',
              credentialId: expired.credentialId,
              leaseToken: expired.leaseToken,
            },
          }),
          409,
          'LEASE_NOT_OWNER',
        );
        // The holder may still release its own expired lease.
        okBody(
          await h.ci.release({
            body: {
              kind: expiredKind,
              ownerId: expired.ownerId,
              actorRole: 'ci',
              credentialId: expired.credentialId,
              leaseToken: expired.leaseToken,
            },
          }),
        );
      });
    });

    describe('payload-chunk and large payloads', () => {
      // Non-ASCII and astral characters, with a surrogate pair straddling the first cut.
      const prefixLength = '{"blob":"'.length;
      const cut = POLICY.inlinePayloadMaxChars;
      const filler = 'é日'
        .repeat(Math.ceil((cut - prefixLength - 1) / 2))
        .slice(0, cut - prefixLength - 1);
      const blob = `${filler}😀${'abc😀ü'.repeat(70_000)}`;
      const bigPayload = { blob };
      const serialized = JSON.stringify(bigPayload);

      it('returns the chunk marker, then pieces that rejoin into the payload', async () => {
        expect(serialized.length).toBeGreaterThan(2 * cut);
        // The emoji's high surrogate sits right at the cut: the piece must end before it.
        expect(serialized.charCodeAt(cut - 1)).toBeGreaterThanOrEqual(0xd800);
        const kind = uniqueKind('blob');
        await add(kind, bigPayload);
        const lease = await acquire(kind);
        const chunkCount = Math.ceil(serialized.length / cut) + 0; // at least this many
        expect(lease.payload).toEqual({
          [CHUNK_MARKER_KEY]: true,
          byteLength: Buffer.byteLength(serialized, 'utf8'),
          chunkCount: expect.any(Number),
        });
        const marker = lease.payload as { chunkCount: number; byteLength: number };
        expect(marker.chunkCount).toBeGreaterThanOrEqual(chunkCount);
        expect(marker.byteLength).not.toBe(serialized.length);

        const pieces: string[] = [];
        for (let index = 0; index < marker.chunkCount; index++) {
          const body = okBody(
            await h.ci.payloadChunk({
              body: {
                kind,
                ownerId: 'owner-1',
                actorRole: 'ci',
                credentialId: lease.credentialId,
                leaseToken: lease.leaseToken,
                ...(index === 0 ? {} : { index }),
              },
            }),
          );
          expect(body.index).toBe(index);
          expect(body.data.length).toBeLessThanOrEqual(cut);
          pieces.push(body.data);
        }
        expect(pieces[0]!.length).toBe(cut - 1);
        expect(JSON.parse(pieces.join(''))).toEqual(bigPayload);
        expectError(
          await h.ci.payloadChunk({
            body: {
              kind,
              ownerId: 'owner-1',
              actorRole: 'ci',
              credentialId: lease.credentialId,
              leaseToken: lease.leaseToken,
              index: marker.chunkCount,
            },
          }),
          400,
          'INVALID_CHUNK_INDEX',
          'Credential payload chunk index is out of range.',
        );

        const listed = okBody(
          await h.maintainer.admin.list({ body: { kind, includePayload: true } }),
        );
        expect(listed.credentials[0]?.payload).toEqual(bigPayload);
      });

      it('answers each payload-chunk failure in the spec order', async () => {
        const kind = uniqueKind('blob');
        const chunk = (
          over: Partial<{
            kind: string;
            credentialId: string;
            leaseToken: string;
            ownerId: string;
          }>,
          client = h.ci,
          actorRole: 'ci' | 'maintainer' = 'ci',
        ) =>
          client.payloadChunk({
            body: {
              kind,
              ownerId: 'owner-1',
              actorRole,
              credentialId: 'x',
              leaseToken: 'x',
              ...over,
            },
          });

        expectError(await chunk({ credentialId: 'missing-id' }), 404, 'CREDENTIAL_NOT_FOUND');
        const big = await add(kind, bigPayload);
        const lease = await acquire(kind);
        expect(lease.credentialId).toBe(big.credentialId);
        const held = { credentialId: lease.credentialId, leaseToken: lease.leaseToken };
        expectError(
          await chunk({ ...held, kind: uniqueKind('x') }),
          409,
          'KIND_MISMATCH',
          'Credential kind did not match this payload request.',
        );
        const disabled = await add(kind, bigPayload, { status: 'disabled' });
        expectError(
          await chunk({ credentialId: disabled.credentialId }),
          409,
          'CREDENTIAL_DISABLED',
          'Credential is disabled.',
        );
        const idle = await add(kind, bigPayload);
        expectError(await chunk({ credentialId: idle.credentialId }), 404, 'LEASE_NOT_FOUND');
        expectError(await chunk({ ...held, leaseToken: 'wrong' }), 409, 'LEASE_NOT_OWNER');
        expectError(
          await chunk(held, h.maintainer, 'maintainer'),
          403,
          'AUTH_ROLE_MISMATCH',
          'Credential lease actor role mismatch.',
        );

        const smallKind = uniqueKind('tg');
        await add(smallKind);
        const small = await acquire(smallKind);
        expectError(
          await chunk({
            kind: smallKind,
            credentialId: small.credentialId,
            leaseToken: small.leaseToken,
          }),
          409,
          'PAYLOAD_NOT_CHUNKED',
          'Credential payload is not chunked.',
        );
        const expiredKind = uniqueKind('tg');
        const expired = await expiredLease(expiredKind);
        expectError(await chunk({ kind: expiredKind, ...expired }), 404, 'LEASE_NOT_FOUND');
      });
    });

    describe('admin/remove', () => {
      it('disables, reports no change the second time, refuses an active lease, and 404s a missing id', async () => {
        const kind = uniqueKind('tg');
        const credential = await add(kind);
        const first = okBody(
          await h.maintainer.admin.remove({
            body: { credentialId: credential.credentialId, actorId: 'tester' },
          }),
        );
        expect(first.changed).toBe(true);
        expect(first.credential.status).toBe('disabled');
        expect(first.credential.updatedAtMs).toBeGreaterThanOrEqual(credential.updatedAtMs);
        const second = okBody(
          await h.maintainer.admin.remove({ body: { credentialId: credential.credentialId } }),
        );
        expect(second.changed).toBe(false);

        const leasedKind = uniqueKind('tg');
        await add(leasedKind);
        const lease = await acquire(leasedKind);
        expectError(
          await h.maintainer.admin.remove({ body: { credentialId: lease.credentialId } }),
          409,
          'LEASE_ACTIVE',
          'Credential is currently leased and cannot be disabled.',
        );
        expectError(
          await h.maintainer.admin.remove({ body: { credentialId: 'not-a-credential' } }),
          404,
          'CREDENTIAL_NOT_FOUND',
        );

        // An expired lease does not block removal and is cleared by it.
        const expiredKind = uniqueKind('tg');
        const expired = await expiredLease(expiredKind);
        const removed = okBody(
          await h.maintainer.admin.remove({ body: { credentialId: expired.credentialId } }),
        );
        expect(removed.changed).toBe(true);
        expect(removed.credential).not.toHaveProperty('lease');
      });
    });

    describe('admin/list', () => {
      it('orders by kind, active first, most recently updated, then id; filters and limits', async () => {
        const group = uniqueKind('list');
        const kindA = `${group}-a`;
        const kindB = `${group}-b`;
        const b1 = await add(kindB);
        const a1 = await add(kindA);
        const a2 = await add(kindA);
        const a3 = await add(kindA);
        okBody(await h.maintainer.admin.remove({ body: { credentialId: a1.credentialId } }));
        // Leasing a2 updates it, so it sorts before a3 among the active ones.
        await acquire(kindA);

        const all = okBody(await h.maintainer.admin.list({ body: { limit: 500 } }));
        const ours = all.credentials.filter((c) => c.kind.startsWith(group));
        expect(ours.map((c) => c.credentialId)).toEqual([
          a2.credentialId,
          a3.credentialId,
          a1.credentialId,
          b1.credentialId,
        ]);
        expect(all.count).toBe(all.credentials.length);
        const leased = ours[0]!;
        expect(leased.lease).toEqual({
          ownerId: 'owner-1',
          actorRole: 'ci',
          acquiredAtMs: expect.any(Number),
          heartbeatAtMs: expect.any(Number),
          expiresAtMs: expect.any(Number),
        });
        expect(JSON.stringify(all)).not.toContain('leaseToken');
        for (const c of ours) expect(c).not.toHaveProperty('payload');

        const active = okBody(
          await h.maintainer.admin.list({ body: { kind: kindA, status: 'active' } }),
        );
        expect(active.credentials.map((c) => c.credentialId)).toEqual([
          a2.credentialId,
          a3.credentialId,
        ]);
        const disabled = okBody(
          await h.maintainer.admin.list({ body: { kind: kindA, status: 'disabled' } }),
        );
        expect(disabled.credentials.map((c) => c.credentialId)).toEqual([a1.credentialId]);
        const limited = okBody(await h.maintainer.admin.list({ body: { kind: kindA, limit: 1 } }));
        expect({
          count: limited.count,
          ids: limited.credentials.map((c) => c.credentialId),
        }).toEqual({ count: 1, ids: [a2.credentialId] });
        const payloads = okBody(
          await h.maintainer.admin.list({ body: { kind: kindB, includePayload: true } }),
        );
        expect(payloads.credentials[0]?.payload).toEqual(telegramPayload());
      });

      it('checks status and limit', async () => {
        expectError(
          await h.maintainer.admin.list({ body: { status: 'bogus' } }),
          400,
          'INVALID_BODY',
          'Expected "status" to be "active", "disabled", or "all".',
        );
        expectError(
          await h.maintainer.admin.list({ body: { limit: 501 } }),
          400,
          'INVALID_LIST_LIMIT',
          'limit must be between 1 and 500.',
        );
        expectError(
          await h.maintainer.admin.list({ body: { limit: 0 } }),
          400,
          'INVALID_BODY',
          'Expected "limit" to be a positive integer.',
        );
      });
    });

    describe('admin/events', () => {
      it('lists lease and admin events by kind, credential, type, category and window, paged', async () => {
        const kind = uniqueKind('ev');
        const before = await store.now();
        const credential = okBody(
          await h.maintainer.admin.add({
            body: { kind, payload: telegramPayload(), actorId: 'ev-actor' },
          }),
        ).credential;
        const lease = await acquire(kind, 'ev-owner');
        expectError(
          await h.ci.acquire({ body: { kind, ownerId: 'ev-owner-2', actorRole: 'ci' } }),
          409,
          'POOL_EXHAUSTED',
        );
        expectError(
          await h.maintainer.admin.remove({ body: { credentialId: credential.credentialId } }),
          409,
          'LEASE_ACTIVE',
        );
        okBody(
          await h.ci.release({
            body: {
              kind,
              ownerId: 'ev-owner',
              actorRole: 'ci',
              credentialId: credential.credentialId,
              leaseToken: lease.leaseToken,
            },
          }),
        );
        okBody(
          await h.maintainer.admin.remove({
            body: { credentialId: credential.credentialId, actorId: 'ev-actor' },
          }),
        );

        const leaseEvents = okBody(
          await h.maintainer.admin.events({ body: { kind, category: 'lease' } }),
        );
        expect(leaseEvents.events.map((e) => e.eventType)).toEqual([
          'acquire',
          'acquire_failed',
          'release',
        ]);
        expect(leaseEvents.count).toBe(3);
        expect(leaseEvents).not.toHaveProperty('nextCursor');
        expect(leaseEvents.events[0]).toEqual({
          eventId: expect.any(String),
          category: 'lease',
          eventType: 'acquire',
          kind,
          actorRole: 'ci',
          ownerId: 'ev-owner',
          credentialId: credential.credentialId,
          occurredAtMs: expect.any(Number),
        });
        expect(leaseEvents.events[0]!.occurredAtMs).toBeGreaterThanOrEqual(before - 1_000);
        expect(leaseEvents.events[1]).toMatchObject({
          code: 'POOL_EXHAUSTED',
          ownerId: 'ev-owner-2',
        });

        const adminEvents = okBody(
          await h.maintainer.admin.events({
            body: { credentialId: credential.credentialId, category: 'admin' },
          }),
        );
        expect(
          adminEvents.events.map((e) => [e.eventType, e.category === 'admin' && e.actorId]),
        ).toEqual([
          ['add', 'ev-actor'],
          ['disable_failed', 'unknown'],
          ['disable', 'ev-actor'],
        ]);
        expect(adminEvents.events[1]).toMatchObject({ code: 'LEASE_ACTIVE' });

        const failedOnly = okBody(
          await h.maintainer.admin.events({ body: { kind, eventType: 'acquire_failed' } }),
        );
        expect(failedOnly.events.map((e) => e.eventType)).toEqual(['acquire_failed']);

        // Paging one at a time walks every event of the credential once, oldest first.
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = okBody(
            await h.maintainer.admin.events({
              body: {
                credentialId: credential.credentialId,
                limit: 1,
                ...(cursor ? { cursor } : {}),
              },
            }),
          );
          seen.push(...page.events.map((e) => e.eventType));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== undefined && pages < 20);
        expect(seen).toEqual(['add', 'acquire', 'disable_failed', 'release', 'disable']);

        // The window: toMs is exclusive, fromMs inclusive.
        const all = okBody(await h.maintainer.admin.events({ body: { kind } })).events;
        const first = all[0]!.occurredAtMs;
        const last = all[all.length - 1]!.occurredAtMs;
        expect(okBody(await h.maintainer.admin.events({ body: { kind, toMs: first } })).count).toBe(
          0,
        );
        expect(
          okBody(await h.maintainer.admin.events({ body: { kind, fromMs: last + 1 } })).count,
        ).toBe(0);
        expect(
          okBody(await h.maintainer.admin.events({ body: { kind, fromMs: first, toMs: last + 1 } }))
            .count,
        ).toBe(all.length);

        // Never a token or a payload.
        const text = JSON.stringify(all);
        expect(text).not.toContain(lease.leaseToken);
        expect(text).not.toContain(telegramPayload().driverToken);
      });

      it('checks its fields, the limit, the window and the cursor; maintainer only', async () => {
        expectError(
          await h.maintainer.admin.events({ body: { limit: 501 } }),
          400,
          'INVALID_LIST_LIMIT',
          'limit must be between 1 and 500.',
        );
        expectError(
          await h.maintainer.admin.events({ body: { fromMs: 10, toMs: 5 } }),
          400,
          'INVALID_BODY',
          'Expected "fromMs" to be at most "toMs".',
        );
        expectError(
          await h.maintainer.admin.events({ body: { cursor: 'not-a-cursor-we-issued' } }),
          400,
          'INVALID_BODY',
          'Expected "cursor" to be the nextCursor of a previous page.',
        );
        expectError(
          await h.maintainer.admin.events({ body: { category: 'both' } }),
          400,
          'INVALID_BODY',
          'Expected "category" to be "lease" or "admin".',
        );
        expectError(await h.ci.admin.events({ body: {} }), 403, 'AUTH_ROLE_MISMATCH');
      });
    });
  });
}
