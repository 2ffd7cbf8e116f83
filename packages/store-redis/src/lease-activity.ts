import {
  ACTIVITY_BUCKET_COUNT,
  ACTIVITY_BUCKET_MS,
  type ActivityCount,
  type LeaseActivity,
} from '@qa-broker/store';
import { assembleActivity } from '@qa-broker/store';
import type { RedisClient } from './redis-client.js';
import { toStoreError } from './errors.js';
import { padEventNumber } from './events.js';

/** Members read per ZRANGE BYLEX call: bounded reads, however busy the hour was. */
const BATCH = 1_000;

/**
 * Counts one kind's acquire and acquire_failed events per minute of the window, reading
 * its lease-event log (one hash-tagged key) in bounded ZRANGE BYLEX batches. Members are
 * `<occurredAtMs>:<seq>:<event JSON>` with zero-padded numbers, so the window is a lex range.
 */
export async function countKindActivity(
  client: RedisClient,
  leaseEventsKey: string,
  kind: string,
  windowStartMs: number,
): Promise<ActivityCount[]> {
  const end = `(${padEventNumber(windowStartMs + ACTIVITY_BUCKET_COUNT * ACTIVITY_BUCKET_MS)}:`;
  let start = `[${padEventNumber(windowStartMs)}:`;
  const counts = new Map<number, ActivityCount>();
  for (;;) {
    let members: string[];
    try {
      members = await client.zrangebylex(leaseEventsKey, start, end, 'LIMIT', 0, BATCH);
    } catch (error) {
      throw toStoreError(error, 'lease-activity');
    }
    for (const member of members) {
      const outcome = acquireOutcome(member);
      if (!outcome) continue;
      const bucket = Math.floor((outcome.occurredAtMs - windowStartMs) / ACTIVITY_BUCKET_MS);
      let count = counts.get(bucket);
      if (!count) {
        count = { kind, bucket, grants: 0, exhausted: 0 };
        counts.set(bucket, count);
      }
      if (outcome.granted) count.grants += 1;
      else count.exhausted += 1;
    }
    if (members.length < BATCH) break;
    start = `(${members.at(-1)!}`;
  }
  return [...counts.values()];
}

/** The outcome of an acquire or acquire_failed member; anything else is not counted. */
function acquireOutcome(member: string): { occurredAtMs: number; granted: boolean } | undefined {
  const match = /^(\d{16}):\d{16}:(.*)$/s.exec(member);
  if (!match) return undefined;
  // Cheap test first: most lease events of a busy hour are releases.
  if (!match[2]!.includes('acquire')) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(match[2]!);
  } catch {
    return undefined;
  }
  const eventType = (fields as { eventType?: unknown } | null)?.eventType;
  if (eventType !== 'acquire' && eventType !== 'acquire_failed') return undefined;
  return { occurredAtMs: Number(match[1]), granted: eventType === 'acquire' };
}

export function activityFrom(windowStartMs: number, counts: ActivityCount[][]): LeaseActivity {
  return assembleActivity(windowStartMs, counts.flat());
}
