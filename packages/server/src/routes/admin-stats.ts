import type { KindStats, brokerContract } from '@qa-broker/contract';
import { emptyActivityBuckets } from '@qa-broker/store';
import type { ActivityBucket, PoolStats } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';

function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * admin/stats: every pool (and every kind asked for in the last hour, so a starving or
 * mistyped kind shows up too) with its counts and 60 one-minute buckets of grants and
 * exhausted answers. Quarantine and the wait queue count 0 until the store reports them.
 */
export function adminStatsHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.stats> {
  const { store } = deps;
  return async ({ body }) => {
    const [pools, activity] = await Promise.all([
      store.poolStats(),
      store.leaseActivity(body.kind ? { kind: body.kind } : {}),
    ]);
    const poolByKind = new Map<string, PoolStats>(
      pools
        .filter((pool) => !body.kind || pool.kind === body.kind)
        .map((pool) => [pool.kind, pool]),
    );
    const bucketsByKind = new Map<string, ActivityBucket[]>(
      activity.kinds.map((entry) => [entry.kind, entry.buckets]),
    );
    const kinds = [...new Set([...poolByKind.keys(), ...bucketsByKind.keys()])].sort(
      compareCodePoints,
    );
    const stats = kinds.map((kind): KindStats => {
      const pool = poolByKind.get(kind);
      const buckets = bucketsByKind.get(kind) ?? emptyActivityBuckets(activity.windowStartMs);
      return {
        kind,
        free: pool?.free ?? 0,
        leased: pool?.leased ?? 0,
        quarantined: pool?.quarantined ?? 0,
        disabled: pool?.disabled ?? 0,
        waiting: pool?.waiting ?? 0,
        lastHour: buckets.map(({ atMs, grants, exhausted }) => ({ atMs, grants, exhausted })),
      };
    });
    return { status: 200, body: { status: 'ok', kinds: stats } };
  };
}
