import { describe, expect, it } from 'vitest';
import { addInput, mustAcquire, uniqueId, useFreshStore, type OpenStore } from './harness.js';

const HOUR = 60 * 60 * 1000;

export function describePoolStats(openStore: OpenStore): void {
  describe('poolStats', () => {
    const store = useFreshStore(openStore);

    it('counts free, leased and disabled credentials per kind by the store clock, in kind order', async () => {
      const base = uniqueId('stats');
      const [kindA, kindB, kindC] = [`${base}-a`, `${base}-b`, `${base}-c`];
      // poolStats takes no nowMs: lease times are set relative to the store's own clock.
      const now = await store().now();
      for (let i = 0; i < 4; i++)
        await store().addCredential(addInput({ kind: kindA, nowMs: now - HOUR }));
      await store().addCredential(addInput({ kind: kindA, status: 'disabled', nowMs: now - HOUR }));
      await store().addCredential(addInput({ kind: kindB, status: 'disabled', nowMs: now - HOUR }));
      await store().addCredential(addInput({ kind: kindC, nowMs: now - HOUR }));
      // Two active leases and one long expired (which counts as free).
      await mustAcquire(store(), { kind: kindA, nowMs: now, leaseTtlMs: HOUR });
      await mustAcquire(store(), { kind: kindA, nowMs: now, leaseTtlMs: HOUR });
      await mustAcquire(store(), { kind: kindA, nowMs: now - 2 * HOUR, leaseTtlMs: 30_000 });
      const stats = (await store().poolStats()).filter((entry) => entry.kind.startsWith(base));
      expect(stats).toEqual([
        { kind: kindA, free: 2, leased: 2, disabled: 1, waiting: 0, quarantined: 0 },
        { kind: kindB, free: 0, leased: 0, disabled: 1, waiting: 0, quarantined: 0 },
        { kind: kindC, free: 1, leased: 0, disabled: 0, waiting: 0, quarantined: 0 },
      ]);
    });

    it('is empty for an empty store', async () => {
      expect(await store().poolStats()).toEqual([]);
    });
  });
}
