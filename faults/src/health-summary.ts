import { leasesByCredential } from './check/leases.ts';
import { grantWindowStarts, quarantineIntervals } from './check/quarantine.ts';
import { quotaInForce } from './check/quota.ts';
import type { PolicyOp } from './health-history.ts';
import type { History } from './history.ts';

/** What the health clients and maintainer did, and how much of it the health rules judged. */
export interface HealthSummary {
  /** Ok releases sent with outcome "broken". */
  brokenReleases: number;
  /** Ok admin/quarantine, admin/restore and admin/policy/set calls. */
  manualQuarantines: number;
  restores: number;
  policyChanges: number;
  /** POOL_EXHAUSTED answers on the health kinds (quarantines and quotas shrink the pool). */
  exhausted: number;
  /** Intervals in which a credential was certainly quarantined, and their finite length. */
  certainQuarantines: number;
  certainlyQuarantinedMs: number;
  /** Grants the quota rule judged (some quota, at its loosest, certainly set over the window). */
  grantsUnderQuota: number;
}

export function summarizeHealth(history: History, healthKinds: readonly string[]): HealthSummary {
  const health = history.health ?? [];
  const ok = (type: string) => health.filter((op) => op.type === type && op.outcome === 'ok');
  const credentials = leasesByCredential(history);
  const intervals = quarantineIntervals(history, credentials);
  const changes = health.filter((op): op is PolicyOp => op.type === 'policy');
  const grantedFrom = grantWindowStarts(history);
  let grantsUnderQuota = 0;
  for (const ops of credentials.values()) {
    for (const lease of ops.leases) {
      const kindChanges = changes.filter((op) => op.kind === lease.acquire.kind);
      const lo = grantedFrom(lease.acquire);
      const hi = lease.acquire.completedAt;
      if (
        quotaInForce(kindChanges, 'owner', lo, hi) !== undefined ||
        quotaInForce(kindChanges, 'role', lo, hi) !== undefined
      )
        grantsUnderQuota += 1;
    }
  }
  return {
    brokenReleases: history.ops.filter(
      (op) => op.type === 'release' && op.broken === true && op.outcome === 'ok',
    ).length,
    manualQuarantines: ok('quarantine').length,
    restores: ok('restore').length,
    policyChanges: ok('policy').length,
    exhausted: history.ops.filter(
      (op) =>
        op.type === 'acquire' && healthKinds.includes(op.kind) && op.code === 'POOL_EXHAUSTED',
    ).length,
    certainQuarantines: intervals.length,
    certainlyQuarantinedMs: Math.round(
      intervals
        .filter((q) => Number.isFinite(q.until))
        .reduce((sum, q) => sum + (q.until - q.from), 0),
    ),
    grantsUnderQuota,
  };
}

export function formatHealthSummary(summary: HealthSummary): string {
  const s = summary;
  return (
    `  health: ${s.brokenReleases} broken releases, ${s.manualQuarantines} quarantines by hand, ` +
    `${s.restores} restores, ${s.policyChanges} policy changes, ${s.exhausted} exhausted; ` +
    `${s.certainQuarantines} certain quarantines (${(s.certainlyQuarantinedMs / 1000).toFixed(1)} s), ` +
    `${s.grantsUnderQuota} grants judged under a quota`
  );
}
