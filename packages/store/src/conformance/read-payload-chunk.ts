import { describe, expect, it } from 'vitest';
import {
  T0,
  TTL,
  addInput,
  allEvents,
  chunkedPayload,
  mustAcquire,
  onePiecePayload,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeReadPayloadChunk(openStore: OpenStore): void {
  describe('readPayloadChunk', () => {
    const store = useFreshStore(openStore);
    const pieces = ['{"fake":"piece-0', '-piece-1', '-piece-2"}'];

    async function leasedChunked(payload = chunkedPayload(pieces)) {
      const kind = uniqueId('kind');
      await store().addCredential(addInput({ kind, payload }));
      const lease = await mustAcquire(store(), {
        kind,
        nowMs: T0,
        ownerId: 'holder',
        actorRole: 'ci',
      });
      return {
        kind,
        ownerId: 'holder',
        actorRole: 'ci' as const,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
      };
    }

    it('returns each piece with its index and the piece count, and writes no event', async () => {
      const key = await leasedChunked();
      const eventsBefore = await allEvents(store());
      for (const [index, piece] of pieces.entries()) {
        expect(await store().readPayloadChunk({ ...key, index, nowMs: T0 + 1 })).toEqual({
          ok: true,
          piece,
          index,
          chunkCount: 3,
        });
      }
      expect(await allEvents(store())).toEqual(eventsBefore);
    });

    it('still reads at expiresAtMs == now and answers LEASE_NOT_FOUND once expired', async () => {
      const key = await leasedChunked();
      expect(await store().readPayloadChunk({ ...key, index: 0, nowMs: T0 + TTL })).toMatchObject({
        ok: true,
      });
      expect(await store().readPayloadChunk({ ...key, index: 0, nowMs: T0 + TTL + 1 })).toEqual({
        ok: false,
        code: 'LEASE_NOT_FOUND',
      });
    });

    it('checks in order: not found, kind, disabled, lease, owner/token, role, chunked, index', async () => {
      const key = await leasedChunked();
      const now = T0 + 1;
      expect(
        await store().readPayloadChunk({
          ...key,
          credentialId: uniqueId('missing'),
          kind: 'x',
          index: 99,
          nowMs: now,
        }),
      ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      expect(
        await store().readPayloadChunk({
          ...key,
          kind: uniqueId('other'),
          ownerId: 'intruder',
          index: 99,
          nowMs: now,
        }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
      expect(
        await store().readPayloadChunk({
          ...key,
          ownerId: 'intruder',
          actorRole: 'maintainer',
          index: 99,
          nowMs: now,
        }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
      expect(
        await store().readPayloadChunk({ ...key, leaseToken: 'fake-wrong', index: 0, nowMs: now }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
      expect(
        await store().readPayloadChunk({ ...key, actorRole: 'maintainer', index: 99, nowMs: now }),
      ).toEqual({ ok: false, code: 'AUTH_ROLE_MISMATCH' });
      expect(await store().readPayloadChunk({ ...key, index: 3, nowMs: now })).toEqual({
        ok: false,
        code: 'INVALID_CHUNK_INDEX',
      });
      // Past every integer type a store might bind it to: still just out of range.
      for (const index of [1_000_000, 2 ** 31 - 1, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
        expect(await store().readPayloadChunk({ ...key, index, nowMs: now })).toEqual({
          ok: false,
          code: 'INVALID_CHUNK_INDEX',
        });
      }
      // Expired: LEASE_NOT_FOUND comes before the owner check.
      expect(
        await store().readPayloadChunk({
          ...key,
          ownerId: 'intruder',
          index: 0,
          nowMs: T0 + TTL + 1,
        }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_FOUND' });
      // Disabled comes before the lease checks (disabling clears the expired lease).
      await store().disableCredential({
        credentialId: key.credentialId,
        actorId: 'admin',
        nowMs: T0 + TTL + 1,
      });
      expect(
        await store().readPayloadChunk({
          ...key,
          ownerId: 'intruder',
          index: 0,
          nowMs: T0 + TTL + 2,
        }),
      ).toEqual({ ok: false, code: 'CREDENTIAL_DISABLED' });
      expect(
        await store().readPayloadChunk({
          ...key,
          kind: uniqueId('other'),
          index: 0,
          nowMs: T0 + TTL + 2,
        }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
    });

    it('answers LEASE_NOT_FOUND when no lease is stored', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(
        addInput({ kind, payload: chunkedPayload(pieces) }),
      );
      expect(
        await store().readPayloadChunk({
          kind,
          ownerId: 'o',
          actorRole: 'ci',
          credentialId: added.credentialId,
          leaseToken: 'fake',
          index: 0,
          nowMs: T0,
        }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_FOUND' });
    });

    it('answers PAYLOAD_NOT_CHUNKED for a one-piece payload, before the index check', async () => {
      const key = await leasedChunked(onePiecePayload());
      expect(await store().readPayloadChunk({ ...key, index: 0, nowMs: T0 + 1 })).toEqual({
        ok: false,
        code: 'PAYLOAD_NOT_CHUNKED',
      });
      expect(await store().readPayloadChunk({ ...key, index: 7, nowMs: T0 + 1 })).toEqual({
        ok: false,
        code: 'PAYLOAD_NOT_CHUNKED',
      });
    });

    it('round-trips large pieces with astral and multi-byte characters exactly', async () => {
      const big = ['{"fake":"' + 'x'.repeat(200_000), '😀é-multibyte' + 'y'.repeat(100_000), '"}'];
      const key = await leasedChunked(chunkedPayload(big));
      const read = [];
      for (let index = 0; index < big.length; index++) {
        const result = await store().readPayloadChunk({ ...key, index, nowMs: T0 + 1 });
        if (!result.ok) throw new Error(result.code);
        read.push(result.piece);
      }
      expect(read).toEqual(big);
    });
  });
}
