import { describe, expect, it } from 'vitest';
import type { CredentialRecord, ListFilter, ListPosition } from '../types.js';
import { compareListOrder } from './model.js';
import { T0, addInput, mustAcquire, uniqueId, useFreshStore, type OpenStore } from './harness.js';

function positionOf(record: CredentialRecord): ListPosition {
  return {
    kind: record.kind,
    status: record.status,
    updatedAtMs: record.updatedAtMs,
    credentialId: record.credentialId,
  };
}

export function describeListPaging(openStore: OpenStore): void {
  describe('listCredentials paging (after)', () => {
    const store = useFreshStore(openStore);

    async function pageThrough(filter: Omit<ListFilter, 'after'>): Promise<CredentialRecord[]> {
      const all: CredentialRecord[] = [];
      let after: ListPosition | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await store().listCredentials({ ...filter, ...(after ? { after } : {}) });
        all.push(...page);
        if (page.length < filter.limit) return all;
        after = positionOf(page.at(-1)!);
      }
      throw new Error('Paging did not end within 100 pages.');
    }

    it('pages through every credential exactly once, in list order, across kinds and statuses', async () => {
      const base = uniqueId('paging');
      const kinds = [`${base}-b`, `${base}-a`, `${base}-é`];
      let now = T0;
      for (const kind of kinds) {
        for (const status of ['active', 'disabled', 'active', 'active'] as const) {
          now += 1;
          await store().addCredential(addInput({ kind, status, nowMs: now }));
        }
      }
      // Equal updatedAtMs: the id breaks the tie, also across a page boundary.
      for (const credentialId of [`${base}-tie-z`, `${base}-tie-a`, `${base}-tie-m`]) {
        await store().addCredential(addInput({ kind: kinds[1]!, credentialId, nowMs: T0 + 500 }));
      }
      await mustAcquire(store(), { kind: kinds[0]!, nowMs: T0 + 1_000 });

      const whole = await store().listCredentials({
        status: 'all',
        includePayload: false,
        limit: 500,
      });
      expect(whole).toHaveLength(15);
      for (const limit of [1, 2, 4, 7]) {
        const paged = await pageThrough({ status: 'all', includePayload: false, limit });
        expect(paged.map((record) => record.credentialId)).toEqual(
          whole.map((record) => record.credentialId),
        );
      }
      const active = await pageThrough({ status: 'active', includePayload: false, limit: 2 });
      expect(active.map((record) => record.credentialId)).toEqual(
        whole.filter((record) => record.status === 'active').map((r) => r.credentialId),
      );
      const oneKind = await pageThrough({
        kind: kinds[1]!,
        status: 'all',
        includePayload: false,
        limit: 3,
      });
      expect(oneKind.map((record) => record.credentialId)).toEqual(
        whole.filter((record) => record.kind === kinds[1]).map((r) => r.credentialId),
      );
    });

    it('resumes after a position that no longer exists, skipping nothing that sorts after it', async () => {
      const kind = uniqueId('paging-gone');
      for (let i = 0; i < 4; i++) await store().addCredential(addInput({ kind, nowMs: T0 + i }));
      const whole = await store().listCredentials({
        status: 'all',
        includePayload: false,
        limit: 10,
      });
      const gone: ListPosition = {
        ...positionOf(whole[1]!),
        credentialId: `${whole[1]!.credentialId}-x`,
      };
      const rest = await store().listCredentials({
        status: 'all',
        includePayload: false,
        limit: 10,
        after: gone,
      });
      expect(rest.map((record) => record.credentialId)).toEqual(
        [...whole]
          .sort(compareListOrder)
          .slice(2)
          .map((record) => record.credentialId),
      );
    });
  });
}
