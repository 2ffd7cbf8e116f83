import { describe, expect, it } from 'vitest';
import {
  T0,
  TTL,
  addInput,
  allEvents,
  chunkedPayload,
  mustAcquire,
  mustFind,
  onePiecePayload,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeAdmin(openStore: OpenStore): void {
  describe('addCredential', () => {
    const store = useFreshStore(openStore);

    it('stores an active credential never leased, and writes an add event', async () => {
      const kind = uniqueId('kind');
      const credentialId = uniqueId('cred');
      const record = await store().addCredential(
        addInput({ kind, credentialId, note: 'fake note', actorId: 'admin-1', nowMs: T0 + 9 }),
      );
      expect(record).toMatchObject({
        credentialId,
        kind,
        status: 'active',
        createdAtMs: T0 + 9,
        updatedAtMs: T0 + 9,
        lastLeasedAtMs: 0,
        note: 'fake note',
      });
      expect(record.lease).toBeUndefined();
      const events = await allEvents(store(), { category: 'admin' });
      expect(events).toEqual([
        expect.objectContaining({
          category: 'admin',
          eventType: 'add',
          actorRole: 'maintainer',
          actorId: 'admin-1',
          occurredAtMs: T0 + 9,
          credentialId,
          kind,
        }),
      ]);
      expect(events[0]).not.toHaveProperty('code');
    });

    it('stores the given status, omits an absent note, and keeps the payload pieces exactly', async () => {
      const kind = uniqueId('kind');
      const payload = chunkedPayload(['{"a":"fake-😀', '"}']);
      const record = await store().addCredential(addInput({ kind, status: 'disabled', payload }));
      expect(record.status).toBe('disabled');
      expect(record).not.toHaveProperty('note');
      const listed = await mustFind(store(), record.credentialId, kind, true);
      expect(listed.payload).toEqual(payload);
      expect(listed).toMatchObject({ status: 'disabled', lastLeasedAtMs: 0 });
    });
  });

  describe('disableCredential', () => {
    const store = useFreshStore(openStore);

    it('answers CREDENTIAL_NOT_FOUND with a disable_failed event', async () => {
      const credentialId = uniqueId('missing');
      expect(
        await store().disableCredential({ credentialId, actorId: 'admin-2', nowMs: T0 }),
      ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      const events = await allEvents(store(), { category: 'admin' });
      expect(events).toEqual([
        expect.objectContaining({
          category: 'admin',
          eventType: 'disable_failed',
          actorRole: 'maintainer',
          actorId: 'admin-2',
          occurredAtMs: T0,
          code: 'CREDENTIAL_NOT_FOUND',
        }),
      ]);
    });

    it('answers LEASE_ACTIVE with a disable_failed event while a lease is active', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(addInput({ kind }));
      await mustAcquire(store(), { kind, nowMs: T0 });
      expect(
        await store().disableCredential({
          credentialId: added.credentialId,
          actorId: 'admin',
          nowMs: T0 + TTL - 1,
        }),
      ).toEqual({ ok: false, code: 'LEASE_ACTIVE' });
      const failed = (await allEvents(store(), { category: 'admin' })).filter(
        (event) => event.eventType === 'disable_failed',
      );
      expect(failed).toEqual([
        expect.objectContaining({
          credentialId: added.credentialId,
          code: 'LEASE_ACTIVE',
          occurredAtMs: T0 + TTL - 1,
        }),
      ]);
      expect((await mustFind(store(), added.credentialId, kind)).status).toBe('active');
    });

    it('disables, clears an expired lease, sets updatedAt and writes a disable event', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(addInput({ kind }));
      await mustAcquire(store(), { kind, nowMs: T0 });
      // At expiresAtMs == now the lease is no longer active.
      const result = await store().disableCredential({
        credentialId: added.credentialId,
        actorId: 'admin-3',
        nowMs: T0 + TTL,
      });
      if (!result.ok) throw new Error(result.code);
      expect(result.changed).toBe(true);
      expect(result.credential).toMatchObject({
        credentialId: added.credentialId,
        kind,
        status: 'disabled',
        updatedAtMs: T0 + TTL,
        lastLeasedAtMs: T0,
      });
      expect(result.credential.lease).toBeUndefined();
      expect(await mustFind(store(), added.credentialId, kind)).toEqual(result.credential);
      const events = (await allEvents(store(), { category: 'admin' })).filter(
        (event) => event.eventType === 'disable',
      );
      expect(events).toEqual([
        expect.objectContaining({
          actorId: 'admin-3',
          credentialId: added.credentialId,
          occurredAtMs: T0 + TTL,
        }),
      ]);
      // A disabled credential is never granted.
      expect(
        (
          await store().acquire({
            kind,
            ownerId: 'o',
            actorRole: 'ci',
            leaseToken: 'fake-t',
            leaseTtlMs: TTL,
            nowMs: T0 + TTL + 1,
          })
        ).ok,
      ).toBe(false);
    });

    it('answers changed:false without an event when already disabled', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(addInput({ kind, status: 'disabled', nowMs: T0 }));
      const eventsBefore = await allEvents(store());
      const result = await store().disableCredential({
        credentialId: added.credentialId,
        actorId: 'admin',
        nowMs: T0 + 100,
      });
      expect(result).toEqual({
        ok: true,
        changed: false,
        credential: expect.objectContaining({
          credentialId: added.credentialId,
          status: 'disabled',
          updatedAtMs: T0,
        }) as unknown,
      });
      expect(await allEvents(store())).toEqual(eventsBefore);
    });
  });

  describe('replacePayload', () => {
    const store = useFreshStore(openStore);

    it('replaces the pieces only when the expected pieces still match (compare-and-set)', async () => {
      const kind = uniqueId('kind');
      const original = onePiecePayload('{"v":"fake-1"}');
      const added = await store().addCredential(addInput({ kind, payload: original }));
      const next = chunkedPayload(['{"v":"fa', 'ke-2"}']);
      expect(
        await store().replacePayload({
          credentialId: added.credentialId,
          expectedPieces: ['{"v":"stale"}'],
          payload: next,
        }),
      ).toBe(false);
      expect((await mustFind(store(), added.credentialId, kind, true)).payload).toEqual(original);
      expect(
        await store().replacePayload({
          credentialId: added.credentialId,
          expectedPieces: original.pieces,
          payload: next,
        }),
      ).toBe(true);
      expect((await mustFind(store(), added.credentialId, kind, true)).payload).toEqual(next);
      // The old pieces no longer match.
      expect(
        await store().replacePayload({
          credentialId: added.credentialId,
          expectedPieces: original.pieces,
          payload: original,
        }),
      ).toBe(false);
      // Piece boundaries matter, not only the joined text.
      expect(
        await store().replacePayload({
          credentialId: added.credentialId,
          expectedPieces: ['{"v":"fake-2"}'],
          payload: original,
        }),
      ).toBe(false);
    });

    it('answers false for a missing credential', async () => {
      expect(
        await store().replacePayload({
          credentialId: uniqueId('missing'),
          expectedPieces: ['x'],
          payload: onePiecePayload(),
        }),
      ).toBe(false);
    });

    it('leaves a lease untouched and the new payload is what the next grant sees', async () => {
      const kind = uniqueId('kind');
      const original = onePiecePayload('{"v":"fake-1"}');
      const added = await store().addCredential(addInput({ kind, payload: original }));
      const lease = await mustAcquire(store(), { kind, nowMs: T0 });
      const before = await mustFind(store(), added.credentialId, kind);
      expect(
        await store().replacePayload({
          credentialId: added.credentialId,
          expectedPieces: original.pieces,
          payload: onePiecePayload('{"v":"fake-2"}'),
        }),
      ).toBe(true);
      expect((await mustFind(store(), added.credentialId, kind)).lease).toEqual(before.lease);
      await store().release({
        kind,
        ownerId: lease.ownerId,
        actorRole: 'ci',
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        nowMs: T0 + 1,
      });
      const grant = await store().acquire({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: 'fake-next',
        leaseTtlMs: TTL,
        nowMs: T0 + 2,
      });
      expect(grant).toMatchObject({ ok: true, lease: { inlinePiece: '{"v":"fake-2"}' } });
    });
  });
}
