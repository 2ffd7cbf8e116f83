import type { HealthOp, RestoreOp } from '../health-history.ts';
import type { AcquireOp, History } from '../history.ts';
import type { CredentialOps, LeaseView } from './leases.ts';
import type { StoreClock } from './store-clock.ts';
import type { Violation } from './violation.ts';

/** An interval in which a credential was certainly quarantined (harness clock). */
interface Quarantine {
  credentialId: string;
  /** The answer that proves it: a broken release's or admin/quarantine's ok. */
  from: number;
  /** The invocation of the first restore that may have cleared it (Infinity: none). */
  until: number;
  /** The earliest instant the quarantine may have begun (restores acked before it are older). */
  effectFrom: number;
  opId: number;
}

/**
 * The lowest bound of the lease's expiry from the acquire and its ok heartbeats alone
 * (see leases.ts): while below it, the lease is certainly still stored, unless released.
 */
function expiryFloor(lease: LeaseView): number {
  let until = lease.acquire.invokedAt + lease.acquire.grant.leaseTtlMs;
  for (const beat of lease.heartbeats)
    if (beat.outcome === 'ok') until = Math.max(until, beat.invokedAt + beat.leaseTtlMs);
  return until;
}

/**
 * A broken release quarantines only if its lease was still stored (a release of a
 * lease already gone answers ok and changes nothing). That is certain when the ok
 * broken release was answered before the lease could have expired and every other
 * release of the lease that may have happened before it was also broken (then the
 * first of them to take effect quarantined the credential).
 */
function brokenQuarantines(lease: LeaseView): Omit<Quarantine, 'until'>[] {
  const found: Omit<Quarantine, 'until'>[] = [];
  const floor = expiryFloor(lease);
  for (const release of lease.releases) {
    if (release.outcome !== 'ok' || !release.broken || release.completedAt > floor) continue;
    const earlier = lease.releases.filter(
      (other) => other.outcome !== 'failed' && other.invokedAt < release.completedAt,
    );
    if (earlier.some((other) => !other.broken)) continue;
    found.push({
      credentialId: lease.credentialId,
      from: release.completedAt,
      effectFrom: Math.min(...earlier.map((other) => other.invokedAt)),
      opId: release.opId,
    });
  }
  return found;
}

/**
 * Kinds whose threshold may not be 1: a patch that touched quarantineAfterBroken makes a
 * single broken report no proof of a quarantine there.
 */
function thresholdTouched(health: HealthOp[]): Set<string> {
  return new Set(
    health
      .filter((op) => op.type === 'policy' && op.patch.quarantineAfterBroken !== undefined)
      .map((op) => (op.type === 'policy' ? op.kind : '')),
  );
}

/**
 * The quarantine lasts until the invocation of any restore that may have taken effect
 * after it began: every restore that was not refused, except an ok one answered before
 * the quarantine could have begun.
 */
function restoredAt(quarantine: Omit<Quarantine, 'until'>, restores: RestoreOp[]): number {
  let until = Infinity;
  for (const restore of restores) {
    if (restore.credentialId !== quarantine.credentialId || restore.outcome === 'failed') continue;
    if (restore.outcome === 'ok' && restore.completedAt < quarantine.effectFrom) continue;
    until = Math.min(until, restore.invokedAt);
  }
  return until;
}

/**
 * The earliest instant an ok acquire's grant can have been made: its invocation, or for a
 * waiting client (ticket or old client's place) the first request of its ownerId, since
 * the store may grant to a queued caller between its requests.
 */
export function grantWindowStarts(history: History): (op: AcquireOp) => number {
  const first = new Map<string, number>();
  for (const op of history.ops) {
    if (op.type !== 'acquire' || op.waitMode === undefined) continue;
    first.set(op.ownerId, Math.min(first.get(op.ownerId) ?? Infinity, op.invokedAt));
  }
  return (op) =>
    op.waitMode === undefined ? op.invokedAt : (first.get(op.ownerId) ?? op.invokedAt);
}

/** Every interval in which a credential was certainly quarantined. */
export function quarantineIntervals(
  history: History,
  credentials: Map<string, CredentialOps>,
): Quarantine[] {
  const health = history.health ?? [];
  const restores = health.filter((op): op is RestoreOp => op.type === 'restore');
  const skipKinds = thresholdTouched(health);
  const begun: Omit<Quarantine, 'until'>[] = [];
  for (const ops of credentials.values()) {
    for (const lease of ops.leases)
      if (!skipKinds.has(lease.acquire.kind)) begun.push(...brokenQuarantines(lease));
  }
  for (const op of health) {
    if (op.type !== 'quarantine' || op.outcome !== 'ok') continue;
    begun.push({
      credentialId: op.credentialId,
      from: op.completedAt,
      effectFrom: op.invokedAt,
      opId: op.opId,
    });
  }
  return begun
    .map((quarantine) => ({ ...quarantine, until: restoredAt(quarantine, restores) }))
    .filter((quarantine) => quarantine.until > quarantine.from);
}

/**
 * No credential is granted while it is certainly quarantined: not by an ok acquire whose
 * whole window [invocation, answer] lies inside a quarantine, and not by a store grant
 * event (also those nobody saw) whose harness time certainly does.
 */
export function checkQuarantinedNotGranted(
  history: History,
  credentials: Map<string, CredentialOps>,
  clock: StoreClock,
  toleranceMs: number,
): Violation[] {
  const violations: Violation[] = [];
  const intervals = quarantineIntervals(history, credentials);
  const inside = (q: Quarantine, lo: number, hi: number) =>
    lo > q.from + toleranceMs && hi < q.until - toleranceMs;
  const flagged = new Set<number>();
  const grantedFrom = grantWindowStarts(history);
  for (const q of intervals) {
    for (const lease of credentials.get(q.credentialId)?.leases ?? []) {
      const lo = grantedFrom(lease.acquire);
      if (!inside(q, lo, lease.acquire.completedAt)) continue;
      flagged.add(lease.acquire.opId);
      violations.push({
        rule: 'quarantined-granted',
        credentialId: q.credentialId,
        opIds: [q.opId, lease.acquire.opId],
        message: `granted with fencing ${lease.fencingToken} while it was quarantined`,
      });
    }
  }
  const timeKnown = Number.isFinite(clock.hi) && clock.lo <= clock.hi + toleranceMs;
  if (!timeKnown || !history.grantEvents) return violations;
  const okOwners = new Map<string, number>();
  for (const op of history.ops)
    if (op.type === 'acquire' && op.outcome === 'ok' && flagged.has(op.opId))
      okOwners.set(op.ownerId, op.opId);
  for (const event of history.grantEvents) {
    // An ok acquire already flagged above names the same grant.
    if (okOwners.has(event.ownerId)) continue;
    const lo = event.occurredAtMs - clock.hi;
    const hi = event.occurredAtMs - clock.lo;
    for (const q of intervals) {
      if (q.credentialId !== event.credentialId || !inside(q, lo, hi)) continue;
      violations.push({
        rule: 'quarantined-granted',
        credentialId: q.credentialId,
        opIds: [q.opId],
        message: `the store granted it to ${event.ownerId} while it was quarantined`,
      });
    }
  }
  return violations;
}
