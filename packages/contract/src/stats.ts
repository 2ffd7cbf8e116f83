import { z } from 'zod';
import { bodyObject, optionalString } from './fields.js';
import { MAX_LENGTHS } from './policy.js';

/** admin/stats covers the last hour in one-minute buckets (spec additions, section 4). */
export const STATS_BUCKET_MS = 60_000;
export const STATS_BUCKET_COUNT = 60;

/** admin/stats (maintainer): pools by kind and the last hour's grants and exhausted answers. */
export const AdminStatsBodySchema = bodyObject({
  kind: optionalString('kind', MAX_LENGTHS.kind),
});
export type AdminStatsBody = z.infer<typeof AdminStatsBodySchema>;

/** One minute of a kind's activity: acquire and acquire_failed events that minute. */
export const StatsBucketSchema = z.object({
  /** The start of the minute (store clock). */
  atMs: z.number().int(),
  grants: z.number().int().nonnegative(),
  exhausted: z.number().int().nonnegative(),
});
export type StatsBucket = z.infer<typeof StatsBucketSchema>;

/**
 * One kind's pool. Each credential counts in one state: disabled, else quarantined, else
 * leased, else free. `waiting` is the kind's queue length.
 */
export const KindStatsSchema = z.object({
  kind: z.string(),
  free: z.number().int().nonnegative(),
  leased: z.number().int().nonnegative(),
  quarantined: z.number().int().nonnegative(),
  disabled: z.number().int().nonnegative(),
  waiting: z.number().int().nonnegative(),
  /** Exactly 60 one-minute buckets, oldest first; the last is the current minute. */
  lastHour: z.array(StatsBucketSchema).length(STATS_BUCKET_COUNT),
});
export type KindStats = z.infer<typeof KindStatsSchema>;

export const AdminStatsOkSchema = z.object({
  status: z.literal('ok'),
  /** In kind order (code points). */
  kinds: z.array(KindStatsSchema),
});
export type AdminStatsOk = z.infer<typeof AdminStatsOkSchema>;
