import { describe, expect, it } from 'vitest';
import type { CredentialRecord } from '../types.js';
import { compareCodePoints, compareListOrder } from './model.js';
import {
  T0,
  addInput,
  mustAcquire,
  onePiecePayload,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeListing(openStore: OpenStore): void {
  describe('listCredentials', () => {
    const store = useFreshStore(openStore);

    /** Kinds chosen so code-point order differs from a locale-aware order. */
    async function seed() {
      const base = uniqueId('k');
      const kinds = [`${base}-b`, `${base}-B`, `${base}-a`, `${base}-Z`, `${base}-é`];
      const added: CredentialRecord[] = [];
      let now = T0;
      for (const kind of kinds) {
        for (const status of ['disabled', 'active', 'active'] as const) {
          now += 1;
          added.push(
            await store().addCredential(
              addInput({
                kind,
                status,
                nowMs: now,
                ...(now % 2 === 0 ? { note: `fake note ${now}` } : {}),
              }),
            ),
          );
        }
      }
      // Two credentials with the same updatedAtMs in one kind, to exercise the id tie-break.
      const tieKind = kinds[0]!;
      for (const credentialId of [`${base}-tie-z`, `${base}-tie-a`]) {
        added.push(
          await store().addCredential(addInput({ kind: tieKind, credentialId, nowMs: T0 + 500 })),
        );
      }
      // A lease changes updatedAtMs.
      await mustAcquire(store(), { kind: kinds[2]!, nowMs: T0 + 1_000 });
      return { kinds, added };
    }

    it('orders by kind code points, active first, updatedAt desc, id asc', async () => {
      await seed();
      const listed = await store().listCredentials({
        status: 'all',
        includePayload: false,
        limit: 500,
      });
      expect(listed).toHaveLength(17);
      expect(listed.map((record) => record.credentialId)).toEqual(
        [...listed].sort(compareListOrder).map((record) => record.credentialId),
      );
      expect(listed.every((record) => record.payload === undefined)).toBe(true);
      const leased = listed.filter((record) => record.lease);
      expect(leased).toHaveLength(1);
      expect(leased[0]!.updatedAtMs).toBe(T0 + 1_000);
    });

    it('applies the limit after sorting', async () => {
      await seed();
      const all = await store().listCredentials({
        status: 'all',
        includePayload: false,
        limit: 500,
      });
      const firstFive = await store().listCredentials({
        status: 'all',
        includePayload: false,
        limit: 5,
      });
      expect(firstFive).toEqual(all.slice(0, 5));
    });

    it('filters by kind and by status', async () => {
      const { kinds } = await seed();
      const kind = kinds[1]!;
      const ofKind = await store().listCredentials({
        kind,
        status: 'all',
        includePayload: false,
        limit: 500,
      });
      expect(ofKind).toHaveLength(3);
      expect(ofKind.every((record) => record.kind === kind)).toBe(true);
      const active = await store().listCredentials({
        status: 'active',
        includePayload: false,
        limit: 500,
      });
      expect(active).toHaveLength(12);
      expect(active.every((record) => record.status === 'active')).toBe(true);
      const disabledOfKind = await store().listCredentials({
        kind,
        status: 'disabled',
        includePayload: false,
        limit: 500,
      });
      expect(disabledOfKind.map((record) => record.status)).toEqual(['disabled']);
      expect(
        await store().listCredentials({
          kind: uniqueId('none'),
          status: 'all',
          includePayload: false,
          limit: 500,
        }),
      ).toEqual([]);
    });

    it('includes the payload only when asked', async () => {
      const kind = uniqueId('kind');
      const payload = onePiecePayload('{"fake":"listed"}');
      await store().addCredential(addInput({ kind, payload }));
      const [withPayload] = await store().listCredentials({
        kind,
        status: 'all',
        includePayload: true,
        limit: 10,
      });
      expect(withPayload?.payload).toEqual(payload);
      const [without] = await store().listCredentials({
        kind,
        status: 'all',
        includePayload: false,
        limit: 10,
      });
      expect(without).not.toHaveProperty('payload');
    });

    it('shows a stored lease even once it has expired', async () => {
      const kind = uniqueId('kind');
      await store().addCredential(addInput({ kind }));
      await mustAcquire(store(), { kind, nowMs: T0, leaseTtlMs: 30_000 });
      const [record] = await store().listCredentials({
        kind,
        status: 'all',
        includePayload: false,
        limit: 10,
      });
      expect(record?.lease).toEqual({
        ownerId: 'owner-a',
        actorRole: 'ci',
        acquiredAtMs: T0,
        heartbeatAtMs: T0,
        expiresAtMs: T0 + 30_000,
      });
    });
  });

  describe('scanCredentials', () => {
    const store = useFreshStore(openStore);

    it('pages through every credential exactly once, in id order', async () => {
      const kinds = [uniqueId('kind'), uniqueId('kind')];
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) {
        const record = await store().addCredential(
          addInput({
            kind: kinds[i % 2]!,
            status: i % 5 === 0 ? 'disabled' : 'active',
            nowMs: T0 + i,
          }),
        );
        ids.push(record.credentialId);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const result = await store().scanCredentials({
          limit: 5,
          includePayload: page === 0,
          ...(cursor ? { cursor } : {}),
        });
        expect(result.credentials.length).toBeLessThanOrEqual(5);
        if (page === 0) expect(result.credentials[0]?.payload).toEqual(onePiecePayload());
        else expect(result.credentials.every((record) => record.payload === undefined)).toBe(true);
        seen.push(...result.credentials.map((record) => record.credentialId));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toEqual([...ids].sort(compareCodePoints));
    });

    it('returns an empty page without a cursor on an empty store', async () => {
      expect(await store().scanCredentials({ limit: 10, includePayload: false })).toEqual({
        credentials: [],
      });
    });
  });
}
