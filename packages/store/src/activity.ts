import type { ActivityBucket, LeaseActivity } from './types.js';

/** leaseActivity's window: 60 one-minute buckets, the last one holding `nowMs`. */
export const ACTIVITY_BUCKET_MS = 60_000;
export const ACTIVITY_BUCKET_COUNT = 60;

/** The start of the oldest bucket of the hour that ends with the minute `nowMs` is in. */
export function activityWindowStart(nowMs: number): number {
  const minuteStart = Math.floor(nowMs / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;
  return minuteStart - (ACTIVITY_BUCKET_COUNT - 1) * ACTIVITY_BUCKET_MS;
}

/** 60 empty buckets from `windowStartMs`, oldest first. */
export function emptyActivityBuckets(windowStartMs: number): ActivityBucket[] {
  return Array.from({ length: ACTIVITY_BUCKET_COUNT }, (_, index) => ({
    atMs: windowStartMs + index * ACTIVITY_BUCKET_MS,
    grants: 0,
    exhausted: 0,
  }));
}

export interface ActivityCount {
  kind: string;
  /** 0 (oldest) … 59 (current minute). */
  bucket: number;
  grants: number;
  exhausted: number;
}

/** Spreads sparse per-minute counts into full bucket arrays, kinds in code-point order. */
export function assembleActivity(windowStartMs: number, counts: ActivityCount[]): LeaseActivity {
  const byKind = new Map<string, ActivityBucket[]>();
  for (const count of counts) {
    if (count.bucket < 0 || count.bucket >= ACTIVITY_BUCKET_COUNT) continue;
    let buckets = byKind.get(count.kind);
    if (!buckets) {
      buckets = emptyActivityBuckets(windowStartMs);
      byKind.set(count.kind, buckets);
    }
    const bucket = buckets[count.bucket]!;
    bucket.grants += count.grants;
    bucket.exhausted += count.exhausted;
  }
  const kinds = [...byKind.keys()].sort(compareCodePoints);
  return { windowStartMs, kinds: kinds.map((kind) => ({ kind, buckets: byKind.get(kind)! })) };
}

function compareCodePoints(a: string, b: string): number {
  const left = [...a].map((char) => char.codePointAt(0)!);
  const right = [...b].map((char) => char.codePointAt(0)!);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i]! - right[i]!;
  }
  return left.length - right.length;
}
