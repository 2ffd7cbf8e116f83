import { describe, expect, it } from 'vitest';
import type { PolicyPatch, StoredPayload } from '../types.js';
import {
  T0,
  TTL,
  addInput,
  addMany,
  allEvents,
  chunkedPayload,
  fakeLeaseToken,
  mustAcquire,
  mustFind,
  onePiecePayload,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';
import { expectWaiting, mustGrant, queueOf, ticketIdOf } from './wait-queue.js';

const ADMIN = 'conformance-maintainer';

/**
 * Credential health (HEALTH-STORE-DESIGN.md, "Health"): broken releases, quarantine,
 * restore, update while leased, findCredential, and how records and pool stats show them.
 * Settled here for every adapter: a release answers `quarantined: true` only when it
 * quarantines (an ok release answers `{ ok, released }` exactly), and a holder keeps the
 * payload version current when its lease was granted (a queued grant: at the grant step,
 * not at delivery).
 */
export function describeHealth(openStore: OpenStore): void {
  describe('credential health', () => {
    const store = useFreshStore(openStore);
    /** The maintainer patches a kind's policy at `nowMs`. */
    const setPolicy = (kind: string, patch: PolicyPatch, nowMs: number) =>
      store().setPolicy({ kind, patch, actorId: ADMIN, nowMs });

    /** A kind with one credential, leased at `nowMs` by `holder` (role ci unless said). */
    async function leasedCredential(
      options: { nowMs?: number; actorRole?: 'ci' | 'maintainer'; payload?: StoredPayload } = {},
    ) {
      const kind = uniqueId('kind');
      const nowMs = options.nowMs ?? T0;
      await store().addCredential(
        addInput({
          kind,
          nowMs: nowMs - 1_000,
          ...(options.payload ? { payload: options.payload } : {}),
        }),
      );
      const actorRole = options.actorRole ?? 'ci';
      const lease = await mustAcquire(store(), { kind, nowMs, ownerId: 'holder', actorRole });
      return {
        kind,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        fencingToken: lease.fencingToken,
        key: {
          kind,
          ownerId: 'holder',
          actorRole,
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
        },
      };
    }

    function releaseBroken(
      key: {
        kind: string;
        ownerId: string;
        actorRole: 'ci' | 'maintainer';
        credentialId: string;
        leaseToken: string;
      },
      nowMs: number,
      reason?: string,
    ) {
      return store().release({ ...key, outcome: 'broken', ...(reason ? { reason } : {}), nowMs });
    }

    /** Leases the credential again (it must be the only one of its kind) and reports it broken. */
    async function leaseAndBreak(kind: string, nowMs: number, reason?: string) {
      const lease = await mustAcquire(store(), { kind, nowMs, ownerId: 'holder' });
      return releaseBroken(
        {
          kind,
          ownerId: 'holder',
          actorRole: 'ci',
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
        },
        nowMs + 1,
        reason,
      );
    }

    function exhausted(kind: string, nowMs: number, ownerId = 'someone-else') {
      return store().acquire({
        kind,
        ownerId,
        actorRole: 'ci',
        leaseToken: fakeLeaseToken('refused'),
        leaseTtlMs: TTL,
        nowMs,
      });
    }

    describe('broken releases and the threshold', () => {
      it('a broken release releases, writes release with code BROKEN, and quarantines at the default threshold of 1', async () => {
        const leased = await leasedCredential({ actorRole: 'maintainer' });
        const result = await releaseBroken(leased.key, T0 + 10, 'login rejected');
        expect(result).toEqual({ ok: true, released: true, quarantined: true });
        const record = await mustFind(store(), leased.credentialId, leased.kind);
        expect(record.lease).toBeUndefined();
        expect(record.status).toBe('active');
        expect(record.brokenReports).toBe(1);
        expect(record.quarantine).toEqual({
          reason: 'login rejected',
          reportedBy: 'holder',
          actorRole: 'maintainer',
          atMs: T0 + 10,
        });
        const events = await allEvents(store(), { category: 'lease' });
        expect(events.map((event) => event.eventType)).toEqual([
          'acquire',
          'release',
          'quarantine',
        ]);
        expect(events[1]).toMatchObject({
          eventType: 'release',
          code: 'BROKEN',
          message: 'login rejected',
          ownerId: 'holder',
          credentialId: leased.credentialId,
          occurredAtMs: T0 + 10,
        });
        expect(events[2]).toMatchObject({
          category: 'lease',
          eventType: 'quarantine',
          kind: leased.kind,
          ownerId: 'holder',
          actorRole: 'maintainer',
          credentialId: leased.credentialId,
          message: 'login rejected',
          occurredAtMs: T0 + 10,
        });
      });

      it('a broken release without a reason quarantines with no reason', async () => {
        const leased = await leasedCredential();
        expect(await releaseBroken(leased.key, T0 + 10)).toMatchObject({
          ok: true,
          quarantined: true,
        });
        const record = await mustFind(store(), leased.credentialId, leased.kind);
        expect(record.quarantine).toEqual({ reportedBy: 'holder', actorRole: 'ci', atMs: T0 + 10 });
        const events = await allEvents(store(), { category: 'lease' });
        expect(events.at(-1)).toMatchObject({ eventType: 'quarantine', ownerId: 'holder' });
        expect(events.at(-1)?.message).toBeUndefined();
      });

      it('the same checks as any release apply before a broken report counts', async () => {
        const leased = await leasedCredential();
        expect(
          await releaseBroken({ ...leased.key, leaseToken: fakeLeaseToken('wrong') }, T0 + 5),
        ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
        expect(await releaseBroken({ ...leased.key, kind: uniqueId('other') }, T0 + 5)).toEqual({
          ok: false,
          code: 'KIND_MISMATCH',
        });
        const record = await mustFind(store(), leased.credentialId, leased.kind);
        expect(record.brokenReports).toBeUndefined();
        expect(record.quarantine).toBeUndefined();
        expect(record.lease).toBeDefined();
      });

      it('quarantineAfterBroken counts consecutive reports; an ok release resets the count', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { quarantineAfterBroken: 3 }, T0);
        const [credential] = await addMany(store(), kind, 1);
        const id = credential!.credentialId;
        const first = await leaseAndBreak(kind, T0 + 100);
        expect(first).toMatchObject({ ok: true, released: true });
        expect(first.ok && first.quarantined).toBeFalsy();
        expect((await mustFind(store(), id, kind)).brokenReports).toBe(1);
        expect(await leaseAndBreak(kind, T0 + 200)).toMatchObject({ ok: true, released: true });
        expect((await mustFind(store(), id, kind)).brokenReports).toBe(2);
        // An ok release resets the count (no event for that): the record drops the field.
        const ok = await mustAcquire(store(), { kind, nowMs: T0 + 300, ownerId: 'holder' });
        expect(
          await store().release({
            kind,
            ownerId: 'holder',
            actorRole: 'ci',
            credentialId: id,
            leaseToken: ok.leaseToken,
            nowMs: T0 + 301,
          }),
        ).toEqual({ ok: true, released: true });
        const reset = await mustFind(store(), id, kind);
        expect(reset.brokenReports).toBeUndefined();
        expect(reset.quarantine).toBeUndefined();
        await leaseAndBreak(kind, T0 + 400);
        await leaseAndBreak(kind, T0 + 500);
        expect(await leaseAndBreak(kind, T0 + 600, 'third strike')).toEqual({
          ok: true,
          released: true,
          quarantined: true,
        });
        const record = await mustFind(store(), id, kind);
        expect(record.brokenReports).toBe(3);
        expect(record.quarantine).toEqual({
          reason: 'third strike',
          reportedBy: 'holder',
          actorRole: 'ci',
          atMs: T0 + 601,
        });
        const types = (await allEvents(store(), { category: 'lease' })).map(
          (event) => event.eventType,
        );
        expect(types.filter((type) => type === 'quarantine')).toHaveLength(1);
        expect(await exhausted(kind, T0 + 700)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      });

      it('the reason is kept only with a broken outcome', async () => {
        const leased = await leasedCredential();
        expect(
          await store().release({ ...leased.key, outcome: 'ok', reason: 'ignored', nowMs: T0 + 5 }),
        ).toEqual({ ok: true, released: true });
        const events = await allEvents(store(), { category: 'lease' });
        expect(events.at(-1)).toMatchObject({ eventType: 'release' });
        expect(events.at(-1)?.code).toBeUndefined();
        expect(events.at(-1)?.message).toBeUndefined();
      });
    });

    describe('quarantined credentials are never granted', () => {
      it('v1 acquire skips a quarantined credential and takes the next one', async () => {
        const kind = uniqueId('kind');
        const [first, second] = await addMany(store(), kind, 2);
        const quarantined = await store().quarantineCredential({
          credentialId: first!.credentialId,
          actorId: ADMIN,
          reason: 'suspected leak',
          nowMs: T0 + 10,
        });
        expect(quarantined).toMatchObject({ ok: true, changed: true });
        const lease = await mustAcquire(store(), { kind, nowMs: T0 + 20 });
        expect(lease.credentialId).toBe(second!.credentialId);
        expect(await exhausted(kind, T0 + 30)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      });

      it('a broken release does not hand the credential to a queued waiter; restore does', async () => {
        const leased = await leasedCredential();
        const queue = queueOf(store, leased.kind);
        const a = ticketIdOf('a');
        expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
        expect(await releaseBroken(leased.key, T0 + 10, 'bad')).toMatchObject({
          quarantined: true,
        });
        expect((await queue.tick([a], T0 + 11)).granted).toEqual([]);
        expectWaiting(await queue.ask(a, { nowMs: T0 + 12 }), 1, 1);
        const restored = await store().restoreCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 20,
        });
        expect(restored).toMatchObject({ ok: true, changed: true });
        expect((await queue.tick([a], T0 + 21)).granted).toEqual([a]);
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 22 })).credentialId).toBe(
          leased.credentialId,
        );
      });

      it('a queued waiter is handed a healthy credential, never a quarantined free one', async () => {
        const kind = uniqueId('kind');
        const [sick, healthy] = await addMany(store(), kind, 2);
        const holder = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder' });
        expect(holder.credentialId).toBe(sick!.credentialId);
        const holder2 = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder-2' });
        const queue = queueOf(store, kind);
        const a = ticketIdOf('a');
        expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
        await store().quarantineCredential({
          credentialId: sick!.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 2,
        });
        await queue.release(holder, T0 + 3);
        expect((await queue.tick([a], T0 + 4)).granted).toEqual([]);
        await queue.release(holder2, T0 + 5);
        expect((await queue.tick([a], T0 + 6)).granted).toEqual([a]);
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 7 })).credentialId).toBe(
          healthy!.credentialId,
        );
      });

      it('a ticket asking while only a quarantined credential is free waits', async () => {
        const kind = uniqueId('kind');
        const [credential] = await addMany(store(), kind, 1);
        await store().quarantineCredential({
          credentialId: credential!.credentialId,
          actorId: ADMIN,
          nowMs: T0,
        });
        const queue = queueOf(store, kind);
        expectWaiting(await queue.ask(ticketIdOf('a'), { nowMs: T0 + 1 }), 1, 1);
      });

      it('the holder keeps its lease under a manual quarantine; on release the credential stays out', async () => {
        const leased = await leasedCredential({ payload: chunkedPayload(['{"fake":"a', 'b"}']) });
        const result = await store().quarantineCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          reason: 'rotating',
          nowMs: T0 + 10,
        });
        expect(result).toMatchObject({
          ok: true,
          changed: true,
          credential: {
            credentialId: leased.credentialId,
            quarantine: {
              reason: 'rotating',
              reportedBy: ADMIN,
              actorRole: 'maintainer',
              atMs: T0 + 10,
            },
          },
        });
        expect(await store().heartbeat({ ...leased.key, leaseTtlMs: TTL, nowMs: T0 + 20 })).toEqual(
          { ok: true, expiresAtMs: T0 + 20 + TTL },
        );
        expect(await store().readPayloadChunk({ ...leased.key, index: 1, nowMs: T0 + 21 })).toEqual(
          { ok: true, piece: 'b"}', index: 1, chunkCount: 2 },
        );
        expect(await store().release({ ...leased.key, nowMs: T0 + 30 })).toEqual({
          ok: true,
          released: true,
        });
        expect(await exhausted(leased.kind, T0 + 40)).toEqual({
          ok: false,
          code: 'POOL_EXHAUSTED',
        });
        const record = await mustFind(store(), leased.credentialId, leased.kind);
        expect(record.quarantine?.reason).toBe('rotating');
        expect(record.brokenReports).toBeUndefined();
      });
    });

    describe('quarantineCredential', () => {
      it('quarantines a free credential with an admin event; a second call changes nothing', async () => {
        const kind = uniqueId('kind');
        const [credential] = await addMany(store(), kind, 1);
        const id = credential!.credentialId;
        const first = await store().quarantineCredential({
          credentialId: id,
          actorId: ADMIN,
          reason: 'first',
          nowMs: T0 + 5,
        });
        expect(first).toMatchObject({
          ok: true,
          changed: true,
          credential: {
            credentialId: id,
            kind,
            status: 'active',
            updatedAtMs: T0 + 5,
            quarantine: {
              reason: 'first',
              reportedBy: ADMIN,
              actorRole: 'maintainer',
              atMs: T0 + 5,
            },
          },
        });
        const again = await store().quarantineCredential({
          credentialId: id,
          actorId: 'other-admin',
          reason: 'second',
          nowMs: T0 + 6,
        });
        expect(again).toMatchObject({ ok: true, changed: false });
        expect(again.ok && again.credential.quarantine).toEqual({
          reason: 'first',
          reportedBy: ADMIN,
          actorRole: 'maintainer',
          atMs: T0 + 5,
        });
        const adminEvents = await allEvents(store(), { category: 'admin' });
        const quarantines = adminEvents.filter((event) => event.eventType === 'quarantine');
        expect(quarantines[0]).toMatchObject({
          category: 'admin',
          eventType: 'quarantine',
          actorRole: 'maintainer',
          actorId: ADMIN,
          kind,
          credentialId: id,
          occurredAtMs: T0 + 5,
        });
        // No lease event for a manual quarantine.
        const leaseEvents = await allEvents(store(), { category: 'lease' });
        expect(leaseEvents.filter((event) => event.eventType === 'quarantine')).toEqual([]);
      });

      it('keeps the broken-report count and answers CREDENTIAL_NOT_FOUND for an unknown id', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { quarantineAfterBroken: 5 }, T0);
        const [credential] = await addMany(store(), kind, 1);
        await leaseAndBreak(kind, T0 + 10);
        const result = await store().quarantineCredential({
          credentialId: credential!.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 20,
        });
        expect(result).toMatchObject({ ok: true, changed: true, credential: { brokenReports: 1 } });
        expect(
          await store().quarantineCredential({
            credentialId: uniqueId('missing'),
            actorId: ADMIN,
            nowMs: T0,
          }),
        ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      });
    });

    describe('restoreCredential', () => {
      it('clears the quarantine and the count, writes restore, and the credential leases again', async () => {
        const leased = await leasedCredential();
        await releaseBroken(leased.key, T0 + 10, 'bad');
        const restored = await store().restoreCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 20,
        });
        expect(restored).toMatchObject({ ok: true, changed: true });
        if (!restored.ok) throw new Error('restore failed');
        expect(restored.credential.quarantine).toBeUndefined();
        expect(restored.credential.brokenReports).toBeUndefined();
        expect(restored.credential.status).toBe('active');
        expect(restored.credential.updatedAtMs).toBe(T0 + 20);
        const events = await allEvents(store(), { category: 'admin' });
        expect(events.at(-1)).toMatchObject({
          eventType: 'restore',
          actorId: ADMIN,
          kind: leased.kind,
          credentialId: leased.credentialId,
          occurredAtMs: T0 + 20,
        });
        const lease = await mustAcquire(store(), { kind: leased.kind, nowMs: T0 + 30 });
        expect(lease).toMatchObject({ credentialId: leased.credentialId, fencingToken: 2 });
      });

      it('re-enables a disabled credential', async () => {
        const kind = uniqueId('kind');
        const record = await store().addCredential(addInput({ kind, status: 'disabled' }));
        const restored = await store().restoreCredential({
          credentialId: record.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 5,
        });
        expect(restored).toMatchObject({
          ok: true,
          changed: true,
          credential: { status: 'active' },
        });
        expect((await mustAcquire(store(), { kind, nowMs: T0 + 6 })).credentialId).toBe(
          record.credentialId,
        );
      });

      it('a restore that only resets broken reports is a change; a healthy credential is not', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { quarantineAfterBroken: 2 }, T0);
        const [credential] = await addMany(store(), kind, 1);
        const id = credential!.credentialId;
        await leaseAndBreak(kind, T0 + 10);
        expect(
          await store().restoreCredential({ credentialId: id, actorId: ADMIN, nowMs: T0 + 20 }),
        ).toMatchObject({ ok: true, changed: true });
        expect((await mustFind(store(), id, kind)).brokenReports).toBeUndefined();
        const again = await store().restoreCredential({
          credentialId: id,
          actorId: ADMIN,
          nowMs: T0 + 30,
        });
        expect(again).toMatchObject({
          ok: true,
          changed: false,
          credential: { credentialId: id, status: 'active' },
        });
        expect(
          await store().restoreCredential({
            credentialId: uniqueId('missing'),
            actorId: ADMIN,
            nowMs: T0,
          }),
        ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      });

      it('restoring a leased credential keeps the lease; its release frees it', async () => {
        const leased = await leasedCredential();
        await store().quarantineCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 1,
        });
        const restored = await store().restoreCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          nowMs: T0 + 2,
        });
        expect(restored).toMatchObject({
          ok: true,
          changed: true,
          credential: { lease: { ownerId: 'holder' } },
        });
        expect(await exhausted(leased.kind, T0 + 3)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
        expect(await store().release({ ...leased.key, nowMs: T0 + 4 })).toEqual({
          ok: true,
          released: true,
        });
        expect(
          (await mustAcquire(store(), { kind: leased.kind, nowMs: T0 + 5 })).credentialId,
        ).toBe(leased.credentialId);
      });
    });

    describe('updateCredential', () => {
      it('replaces the payload and the note; the next lease gets the new payload', async () => {
        const kind = uniqueId('kind');
        const record = await store().addCredential(addInput({ kind, note: 'old note' }));
        const updated = await store().updateCredential({
          credentialId: record.credentialId,
          actorId: ADMIN,
          payload: onePiecePayload('{"fake":"v2"}'),
          note: 'new note',
          nowMs: T0 + 10,
        });
        expect(updated).toMatchObject({
          ok: true,
          changed: true,
          credential: { credentialId: record.credentialId, note: 'new note', updatedAtMs: T0 + 10 },
        });
        expect(updated.ok && updated.credential.payload).toBeFalsy();
        const result = await store().acquire({
          kind,
          ownerId: 'next',
          actorRole: 'ci',
          leaseToken: fakeLeaseToken(),
          leaseTtlMs: TTL,
          nowMs: T0 + 20,
        });
        expect(mustGrant(result)).toMatchObject({
          inlinePiece: '{"fake":"v2"}',
          chunkCount: 1,
          byteLength: 13,
        });
        const [scanned] = (
          await store().scanCredentials({ limit: 500, includePayload: true })
        ).credentials.filter((entry) => entry.credentialId === record.credentialId);
        expect(scanned?.payload).toEqual(onePiecePayload('{"fake":"v2"}'));
        const events = await allEvents(store(), { category: 'admin' });
        const update = events.find((event) => event.eventType === 'update');
        expect(update).toMatchObject({
          actorId: ADMIN,
          kind,
          credentialId: record.credentialId,
          occurredAtMs: T0 + 10,
        });
        expect(JSON.stringify(update)).not.toContain('v2');
      });

      it('"" clears the note; the same values are no change; an unknown id is CREDENTIAL_NOT_FOUND', async () => {
        const kind = uniqueId('kind');
        const record = await store().addCredential(addInput({ kind, note: 'a note' }));
        const cleared = await store().updateCredential({
          credentialId: record.credentialId,
          actorId: ADMIN,
          note: '',
          nowMs: T0 + 1,
        });
        expect(cleared).toMatchObject({ ok: true, changed: true });
        expect(cleared.ok && cleared.credential.note).toBeFalsy();
        expect((await mustFind(store(), record.credentialId, kind)).note).toBeUndefined();
        const same = await store().updateCredential({
          credentialId: record.credentialId,
          actorId: ADMIN,
          payload: onePiecePayload(),
          note: '',
          nowMs: T0 + 2,
        });
        expect(same).toMatchObject({ ok: true, changed: false });
        expect(
          await store().updateCredential({
            credentialId: uniqueId('missing'),
            actorId: ADMIN,
            note: 'x',
            nowMs: T0,
          }),
        ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      });

      it('a holder keeps the chunked version it was granted; the next lease reads the new one', async () => {
        const oldPieces = ['{"fake":"old-0', '-old-1"}'];
        const newPieces = ['{"fake":"new-0', '-new-1', '-new-2"}'];
        const leased = await leasedCredential({ payload: chunkedPayload(oldPieces) });
        const updated = await store().updateCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          payload: chunkedPayload(newPieces),
          nowMs: T0 + 10,
        });
        expect(updated).toMatchObject({ ok: true, changed: true });
        for (const [index, piece] of oldPieces.entries()) {
          expect(await store().readPayloadChunk({ ...leased.key, index, nowMs: T0 + 20 })).toEqual({
            ok: true,
            piece,
            index,
            chunkCount: 2,
          });
        }
        expect(await store().readPayloadChunk({ ...leased.key, index: 2, nowMs: T0 + 21 })).toEqual(
          {
            ok: false,
            code: 'INVALID_CHUNK_INDEX',
          },
        );
        expect(
          await store().heartbeat({ ...leased.key, leaseTtlMs: TTL, nowMs: T0 + 22 }),
        ).toMatchObject({ ok: true });
        expect(await store().release({ ...leased.key, nowMs: T0 + 30 })).toEqual({
          ok: true,
          released: true,
        });
        const next = await mustAcquire(store(), {
          kind: leased.kind,
          nowMs: T0 + 40,
          ownerId: 'next',
        });
        const nextKey = {
          kind: leased.kind,
          ownerId: 'next',
          actorRole: 'ci' as const,
          credentialId: next.credentialId,
          leaseToken: next.leaseToken,
        };
        for (const [index, piece] of newPieces.entries()) {
          expect(await store().readPayloadChunk({ ...nextKey, index, nowMs: T0 + 41 })).toEqual({
            ok: true,
            piece,
            index,
            chunkCount: 3,
          });
        }
      });

      it('after an expiry reclaim the next lease reads the new version', async () => {
        const leased = await leasedCredential({ payload: chunkedPayload(['{"fake":"old', '"}']) });
        await store().updateCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          payload: chunkedPayload(['{"fake":"new', '"}']),
          nowMs: T0 + 1,
        });
        // The old lease expires; the next lease (after the reclaim) reads the new version.
        const next = await mustAcquire(store(), {
          kind: leased.kind,
          nowMs: T0 + TTL + 1,
          ownerId: 'next',
        });
        expect(
          await store().readPayloadChunk({
            kind: leased.kind,
            ownerId: 'next',
            actorRole: 'ci',
            credentialId: next.credentialId,
            leaseToken: next.leaseToken,
            index: 0,
            nowMs: T0 + TTL + 2,
          }),
        ).toMatchObject({ ok: true, piece: '{"fake":"new' });
      });

      it('a delivered ticket re-asked after an update still gets the inline payload it was granted', async () => {
        const kind = uniqueId('kind');
        const record = await store().addCredential(
          addInput({ kind, payload: onePiecePayload('{"fake":"v1"}') }),
        );
        const queue = queueOf(store, kind);
        const a = ticketIdOf('a');
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 1 })).inlinePiece).toBe('{"fake":"v1"}');
        await store().updateCredential({
          credentialId: record.credentialId,
          actorId: ADMIN,
          payload: onePiecePayload('{"fake":"v2"}'),
          nowMs: T0 + 2,
        });
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 3 })).inlinePiece).toBe('{"fake":"v1"}');
      });

      it('a queued grant keeps the version current at its grant step, even if delivered after an update', async () => {
        const leased = await leasedCredential({ payload: onePiecePayload('{"fake":"v1"}') });
        const queue = queueOf(store, leased.kind);
        const a = ticketIdOf('a');
        expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
        expect(await store().release({ ...leased.key, nowMs: T0 + 2 })).toEqual({
          ok: true,
          released: true,
        });
        await store().updateCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          payload: onePiecePayload('{"fake":"v2"}'),
          nowMs: T0 + 3,
        });
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 4 })).inlinePiece).toBe('{"fake":"v1"}');
      });

      it('replacePayload (key rotation) works on the current version while an older one is leased', async () => {
        const leased = await leasedCredential({ payload: onePiecePayload('{"fake":"v1"}') });
        const v2 = onePiecePayload('{"fake":"v2"}');
        await store().updateCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          payload: v2,
          nowMs: T0 + 1,
        });
        expect(
          await store().replacePayload({
            credentialId: leased.credentialId,
            expectedPieces: ['{"fake":"v1"}'],
            payload: onePiecePayload('{"fake":"x"}'),
          }),
        ).toBe(false);
        const rotated = onePiecePayload('{"fake":"v2-rotated"}');
        expect(
          await store().replacePayload({
            credentialId: leased.credentialId,
            expectedPieces: v2.pieces,
            payload: rotated,
          }),
        ).toBe(true);
        expect(await store().release({ ...leased.key, nowMs: T0 + 2 })).toEqual({
          ok: true,
          released: true,
        });
        const result = await store().acquire({
          kind: leased.kind,
          ownerId: 'next',
          actorRole: 'ci',
          leaseToken: fakeLeaseToken(),
          leaseTtlMs: TTL,
          nowMs: T0 + 3,
        });
        expect(mustGrant(result).inlinePiece).toBe('{"fake":"v2-rotated"}');
      });
    });

    describe('records and stats', () => {
      it('findCredential returns the record without its payload, or undefined', async () => {
        const leased = await leasedCredential();
        await store().quarantineCredential({
          credentialId: leased.credentialId,
          actorId: ADMIN,
          reason: 'r',
          nowMs: T0 + 1,
        });
        const found = await store().findCredential(leased.credentialId);
        expect(found).toEqual(await mustFind(store(), leased.credentialId, leased.kind));
        expect(found).toMatchObject({
          credentialId: leased.credentialId,
          kind: leased.kind,
          quarantine: { reason: 'r', reportedBy: ADMIN },
          lease: { ownerId: 'holder' },
        });
        expect(found?.payload).toBeUndefined();
        expect(await store().findCredential(uniqueId('missing'))).toBeUndefined();
      });

      it('listings, scans and admin answers carry quarantine and brokenReports', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { quarantineAfterBroken: 2 }, T0);
        const [credential] = await addMany(store(), kind, 1);
        const id = credential!.credentialId;
        expect(credential!.brokenReports).toBeUndefined();
        expect(credential!.quarantine).toBeUndefined();
        await leaseAndBreak(kind, T0 + 10, 'flaky');
        await leaseAndBreak(kind, T0 + 20, 'dead');
        const expected = {
          brokenReports: 2,
          quarantine: { reason: 'dead', reportedBy: 'holder', actorRole: 'ci', atMs: T0 + 21 },
        };
        const [listed] = await store().listCredentials({
          kind,
          status: 'all',
          includePayload: true,
          limit: 10,
        });
        expect(listed).toMatchObject(expected);
        const scanned = (
          await store().scanCredentials({ limit: 500, includePayload: false })
        ).credentials.find((entry) => entry.credentialId === id);
        expect(scanned).toMatchObject(expected);
        const disabled = await store().disableCredential({
          credentialId: id,
          actorId: ADMIN,
          nowMs: T0 + 30,
        });
        expect(disabled).toMatchObject({ ok: true, credential: expected });
        const updated = await store().updateCredential({
          credentialId: id,
          actorId: ADMIN,
          note: 'n',
          nowMs: T0 + 40,
        });
        expect(updated).toMatchObject({ ok: true, credential: expected });
        const quarantined = await store().quarantineCredential({
          credentialId: id,
          actorId: ADMIN,
          nowMs: T0 + 50,
        });
        expect(quarantined).toMatchObject({ ok: true, changed: false, credential: expected });
      });

      it('poolStats counts each credential in one state: disabled, else quarantined, else leased, else free', async () => {
        const kind = uniqueId('kind');
        const now = await store().now();
        const added = await addMany(store(), kind, 5, now - 10_000);
        // 0: quarantined and leased → quarantined; 1: quarantined and disabled → disabled;
        // 2: quarantined, free → quarantined; 3: leased; 4: free.
        const held = await mustAcquire(store(), {
          kind,
          nowMs: now,
          ownerId: 'holder',
          leaseTtlMs: 3_600_000,
        });
        expect(held.credentialId).toBe(added[0]!.credentialId);
        for (const index of [0, 1, 2]) {
          await store().quarantineCredential({
            credentialId: added[index]!.credentialId,
            actorId: ADMIN,
            nowMs: now,
          });
        }
        await store().disableCredential({
          credentialId: added[1]!.credentialId,
          actorId: ADMIN,
          nowMs: now,
        });
        await mustAcquire(store(), { kind, nowMs: now, ownerId: 'holder', leaseTtlMs: 3_600_000 });
        const stats = (await store().poolStats()).find((entry) => entry.kind === kind);
        expect(stats).toEqual({
          kind,
          free: 1,
          leased: 1,
          disabled: 1,
          quarantined: 2,
          waiting: 0,
        });
      });
    });
  });
}
