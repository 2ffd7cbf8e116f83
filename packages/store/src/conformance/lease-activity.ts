import { describe, expect, it } from 'vitest';
import { ACTIVITY_BUCKET_MS, activityWindowStart } from '../activity.js';
import {
  T0,
  addInput,
  fakeLeaseToken,
  mustAcquire,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

const MINUTE = ACTIVITY_BUCKET_MS;

export function describeLeaseActivity(openStore: OpenStore): void {
  describe('leaseActivity', () => {
    const store = useFreshStore(openStore);

    async function exhausted(kind: string, nowMs: number): Promise<void> {
      const result = await store().acquire({
        kind,
        ownerId: 'owner-starved',
        actorRole: 'ci',
        leaseToken: fakeLeaseToken('starved'),
        leaseTtlMs: 60_000,
        nowMs,
      });
      expect(result.ok).toBe(false);
    }

    it('counts grants and exhausted answers per kind per minute, 60 buckets oldest first', async () => {
      const base = uniqueId('activity');
      const [kindA, kindB] = [`${base}-a`, `${base}-b`];
      // "now" is 30 s into a minute; the window starts 59 minutes before that minute.
      const now = Math.floor(T0 / MINUTE) * MINUTE + 30_000;
      const windowStart = activityWindowStart(now);
      expect(windowStart).toBe(Math.floor(T0 / MINUTE) * MINUTE - 59 * MINUTE);
      await store().addCredential(addInput({ kind: kindA, nowMs: windowStart - 10 * MINUTE }));
      await store().addCredential(addInput({ kind: kindB, nowMs: windowStart - 10 * MINUTE }));

      // Before the window: not counted.
      await mustAcquire(store(), { kind: kindA, nowMs: windowStart - 40_000, leaseTtlMs: 30_000 });
      // Oldest bucket: one grant (the earlier lease has expired) and one exhausted answer.
      await mustAcquire(store(), { kind: kindA, nowMs: windowStart, leaseTtlMs: 30_000 });
      await exhausted(kindA, windowStart + 1_000);
      // Current minute: a grant of kind B, then two exhausted answers.
      await mustAcquire(store(), { kind: kindB, nowMs: now - 20_000, leaseTtlMs: 60_000 });
      await exhausted(kindB, now - 10_000);
      await exhausted(kindB, now);

      const activity = await store().leaseActivity({ nowMs: now });
      expect(activity.windowStartMs).toBe(windowStart);
      const ours = activity.kinds.filter((entry) => entry.kind.startsWith(base));
      expect(ours.map((entry) => entry.kind)).toEqual([kindA, kindB]);
      for (const { buckets } of ours) {
        expect(buckets).toHaveLength(60);
        expect(buckets.map((bucket) => bucket.atMs)).toEqual(
          Array.from({ length: 60 }, (_, index) => windowStart + index * MINUTE),
        );
      }
      const nonZero = (kind: string) =>
        ours
          .find((entry) => entry.kind === kind)!
          .buckets.map((bucket, index) => ({ index, ...bucket }))
          .filter((bucket) => bucket.grants + bucket.exhausted > 0)
          .map(({ index, grants, exhausted: failed }) => ({ index, grants, exhausted: failed }));
      expect(nonZero(kindA)).toEqual([{ index: 0, grants: 1, exhausted: 1 }]);
      expect(nonZero(kindB)).toEqual([{ index: 59, grants: 1, exhausted: 2 }]);

      // One kind only; a later "now" drops the oldest minute out of the window.
      const onlyA = await store().leaseActivity({ kind: kindA, nowMs: now });
      expect(onlyA.kinds.map((entry) => entry.kind)).toEqual([kindA]);
      const later = await store().leaseActivity({ kind: kindA, nowMs: now + MINUTE });
      expect(later.windowStartMs).toBe(windowStart + MINUTE);
      expect(later.kinds).toEqual([]);
    });

    it('answers the window by the store clock, with no kinds when nothing happened', async () => {
      const before = await store().now();
      const activity = await store().leaseActivity({});
      const after = await store().now();
      expect(activity.kinds).toEqual([]);
      expect(activity.windowStartMs).toBeGreaterThanOrEqual(activityWindowStart(before));
      expect(activity.windowStartMs).toBeLessThanOrEqual(activityWindowStart(after));
    });
  });
}
