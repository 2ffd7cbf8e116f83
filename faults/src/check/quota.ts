import type { PolicyOp } from '../health-history.ts';
import type { History } from '../history.ts';
import type { CredentialOps, LeaseView } from './leases.ts';
import { grantWindowStarts } from './quarantine.ts';
import type { Violation } from './violation.ts';

type QuotaField = 'owner' | 'role';

function touches(op: PolicyOp, field: QuotaField): boolean {
  return field === 'owner'
    ? op.patch.maxLeasesPerOwner !== undefined
    : op.patch.maxLeasesPerRole?.ci !== undefined;
}

function valueOf(op: PolicyOp, field: QuotaField): number | null {
  return (field === 'owner' ? op.patch.maxLeasesPerOwner : op.patch.maxLeasesPerRole?.ci) ?? null;
}

/**
 * The loosest quota of `field` that may have been in force at any instant of [lo, hi],
 * or undefined when the field may have been unset then. A change takes effect somewhere
 * in its [invocation, answer] (an unknown one at any time after its invocation, or
 * never; a refused one not at all). An ok change P answered by `lo` is in force at `lo`
 * unless a later one landed; the changes that may be in force instead are those invoked
 * by `hi` that P does not certainly override (an ok change answered before P was sent).
 * The real quota is at most the largest of those values, so counting against it is safe.
 */
export function quotaInForce(
  changes: PolicyOp[],
  field: QuotaField,
  lo: number,
  hi: number,
): number | undefined {
  const relevant = changes.filter((op) => op.outcome !== 'failed' && touches(op, field));
  let best: number | undefined;
  for (const p of relevant) {
    if (p.outcome !== 'ok' || p.completedAt > lo) continue;
    let loosest: number | null = valueOf(p, field);
    for (const other of relevant) {
      if (loosest === null) break;
      if (other === p || other.invokedAt > hi) continue;
      if (other.outcome === 'ok' && other.completedAt < p.invokedAt) continue;
      const value = valueOf(other, field);
      loosest = value === null ? null : Math.max(loosest, value);
    }
    if (loosest !== null) best = best === undefined ? loosest : Math.min(best, loosest);
  }
  return best;
}

/** Whether `lease` was certainly held over the whole of [lo, hi]. */
function heldThroughout(lease: LeaseView, lo: number, hi: number, toleranceMs: number): boolean {
  return lease.heldFrom <= lo && lease.heldUntil - toleranceMs >= hi;
}

/**
 * No grant exceeded a quota (spec/broker-additions.md §3): for each ok acquire of a kind
 * with policy changes, take the loosest per-owner and per-role quota that may have been in
 * force anywhere in the window in which the grant may have been made, and count the other leases of the
 * kind that this owner (or role) certainly held over all of that window. Holding that
 * many already, the store must not have granted. Every harness client leases as role
 * `ci`. Leases that may have ended, and grants nobody saw, are not counted: the count is
 * a lower bound, so a violation is certain.
 */
export function checkQuotas(
  history: History,
  credentials: Map<string, CredentialOps>,
  toleranceMs: number,
): Violation[] {
  const changes = (history.health ?? []).filter((op): op is PolicyOp => op.type === 'policy');
  if (changes.length === 0) return [];
  const byKind = new Map<string, LeaseView[]>();
  for (const ops of credentials.values()) {
    for (const lease of ops.leases) {
      const list = byKind.get(lease.acquire.kind) ?? [];
      list.push(lease);
      byKind.set(lease.acquire.kind, list);
    }
  }
  const grantedFrom = grantWindowStarts(history);
  const violations: Violation[] = [];
  for (const [kind, leases] of byKind) {
    const kindChanges = changes.filter((op) => op.kind === kind);
    if (kindChanges.length === 0) continue;
    for (const granted of leases) {
      const lo = grantedFrom(granted.acquire);
      const hi = granted.acquire.completedAt;
      for (const field of ['owner', 'role'] as const) {
        const quota = quotaInForce(kindChanges, field, lo, hi);
        if (quota === undefined) continue;
        const held = leases.filter(
          (other) =>
            other !== granted &&
            (field === 'role' || other.acquire.ownerId === granted.acquire.ownerId) &&
            heldThroughout(other, lo, hi, toleranceMs),
        );
        if (held.length < quota) continue;
        violations.push({
          rule: 'quota-exceeded',
          credentialId: granted.credentialId,
          opIds: [granted.acquire.opId, ...held.map((other) => other.acquire.opId)],
          message:
            `granted while ${field === 'owner' ? `owner ${granted.acquire.ownerId}` : 'role ci'} ` +
            `certainly held ${held.length} lease(s) of ${JSON.stringify(kind)} and its quota was ${quota}`,
        });
      }
    }
  }
  return violations;
}
