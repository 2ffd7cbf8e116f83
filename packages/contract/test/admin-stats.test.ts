import { describe, expect, it } from 'vitest';
import {
  AdminListBodySchema,
  AdminListOkSchema,
  AdminStatsBodySchema,
  AdminStatsOkSchema,
  STATS_BUCKET_COUNT,
  brokerContract,
  parseBody,
} from '../src/index.js';

const buckets = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ atMs: index * 60_000, grants: 0, exhausted: 0 }));

const pool = (lastHour = buckets(STATS_BUCKET_COUNT)) => ({
  kind: 'telegram',
  free: 1,
  leased: 2,
  quarantined: 0,
  disabled: 0,
  waiting: 0,
  lastHour,
});

describe('admin/stats', () => {
  it('is a maintainer POST at /admin/stats with an optional kind', () => {
    expect(brokerContract.admin.stats).toMatchObject({ method: 'POST', path: '/admin/stats' });
    expect(parseBody(AdminStatsBodySchema, {})).toEqual({ ok: true, value: {} });
    expect(parseBody(AdminStatsBodySchema, { kind: ' telegram ' })).toEqual({
      ok: true,
      value: { kind: 'telegram' },
    });
    expect(parseBody(AdminStatsBodySchema, { kind: 3 })).toEqual({
      ok: false,
      code: 'INVALID_BODY',
      message: 'Expected "kind" to be a string.',
    });
  });

  it('answers exactly 60 buckets per kind, with every count present', () => {
    expect(AdminStatsOkSchema.safeParse({ status: 'ok', kinds: [pool()] }).success).toBe(true);
    expect(AdminStatsOkSchema.safeParse({ status: 'ok', kinds: [pool(buckets(59))] }).success).toBe(
      false,
    );
    const { waiting: _waiting, ...withoutWaiting } = pool();
    expect(AdminStatsOkSchema.safeParse({ status: 'ok', kinds: [withoutWaiting] }).success).toBe(
      false,
    );
  });
});

describe('admin/list paging', () => {
  it('takes an optional cursor and answers nextCursor only as an optional string', () => {
    expect(parseBody(AdminListBodySchema, { cursor: 'abc' })).toEqual({
      ok: true,
      value: { cursor: 'abc' },
    });
    expect(parseBody(AdminListBodySchema, { cursor: 7 })).toMatchObject({
      ok: false,
      code: 'INVALID_BODY',
    });
    expect(parseBody(AdminListBodySchema, { cursor: 'x'.repeat(1_025) })).toMatchObject({
      ok: false,
      code: 'INVALID_BODY',
    });
    const page = { status: 'ok', credentials: [], count: 0 };
    expect(AdminListOkSchema.safeParse(page).success).toBe(true);
    expect(AdminListOkSchema.safeParse({ ...page, nextCursor: 'c' }).success).toBe(true);
  });
});
