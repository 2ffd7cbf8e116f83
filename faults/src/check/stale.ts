import type { CredentialOps, LeaseView } from './leases.ts';
import type { Violation } from './violation.ts';

/** The first lease with a larger token whose grant certainly happened before `time`. */
function newerGrantBefore(
  ops: CredentialOps,
  lease: LeaseView,
  time: number,
): LeaseView | undefined {
  return ops.leases.find(
    (other) => other.fencingToken > lease.fencingToken && other.acquire.completedAt < time,
  );
}

/**
 * Could the lease stored after `newer`'s grant have been cleared before `time`? Only a
 * release by a holder at least as new, or a remove (which clears an expired lease), can
 * clear it; an unknown one may have.
 */
function newerMayBeCleared(ops: CredentialOps, newer: LeaseView, time: number): boolean {
  const released = ops.leases.some(
    (other) =>
      other.fencingToken >= newer.fencingToken &&
      other.releases.some((release) => release.outcome !== 'failed' && release.invokedAt < time),
  );
  const removed = ops.removes.some(
    (remove) => remove.outcome !== 'failed' && remove.invokedAt < time,
  );
  return released || removed;
}

/**
 * A heartbeat or release with an old token never changes a newer lease:
 * - a heartbeat is accepted only for the stored lease with its token, so one invoked
 *   after a newer grant, or after its own lease was certainly released, must fail;
 * - a release of an absent lease is an idempotent ok, so a stale release must fail only
 *   while a newer lease is certainly still stored.
 */
export function checkStale(credentialId: string, ops: CredentialOps): Violation[] {
  const violations: Violation[] = [];
  for (const lease of ops.leases) {
    for (const beat of lease.heartbeats) {
      if (beat.outcome !== 'ok') continue;
      const newer = newerGrantBefore(ops, lease, beat.invokedAt);
      const ownRelease = lease.releases.find(
        (release) => release.outcome === 'ok' && release.completedAt < beat.invokedAt,
      );
      if (newer) {
        violations.push({
          rule: 'stale-accepted',
          credentialId,
          opIds: [lease.acquire.opId, newer.acquire.opId, beat.opId],
          message:
            `heartbeat with the token of fencing ${lease.fencingToken} was accepted after ` +
            `fencing ${newer.fencingToken} was granted`,
        });
      } else if (ownRelease) {
        violations.push({
          rule: 'stale-accepted',
          credentialId,
          opIds: [lease.acquire.opId, ownRelease.opId, beat.opId],
          message: `heartbeat of fencing ${lease.fencingToken} was accepted after its release was acknowledged`,
        });
      }
    }
    for (const release of lease.releases) {
      if (release.outcome !== 'ok') continue;
      const newer = newerGrantBefore(ops, lease, release.invokedAt);
      if (!newer || newerMayBeCleared(ops, newer, release.completedAt)) continue;
      violations.push({
        rule: 'stale-accepted',
        credentialId,
        opIds: [lease.acquire.opId, newer.acquire.opId, release.opId],
        message:
          `release with the token of fencing ${lease.fencingToken} was accepted while ` +
          `fencing ${newer.fencingToken} was stored`,
      });
    }
  }
  return violations;
}

const GONE_CODES = new Set(['LEASE_EXPIRED', 'LEASE_NOT_FOUND', 'LEASE_NOT_OWNER']);

/**
 * A heartbeat that failed because the lease was gone, although the lease was certainly
 * held during the whole request (granted before it, no release invoked before its answer,
 * and expiring only after its answer by the acquire and the ok heartbeats before it).
 * This is what a broker that computes expiry from its own skewed clock produces.
 */
export function checkLostEarly(
  credentialId: string,
  ops: CredentialOps,
  toleranceMs: number,
): Violation[] {
  const violations: Violation[] = [];
  for (const lease of ops.leases) {
    for (const beat of lease.heartbeats) {
      if (beat.outcome !== 'failed' || !GONE_CODES.has(beat.code ?? '')) continue;
      if (lease.releases.some((release) => release.invokedAt < beat.completedAt)) continue;
      let until = lease.acquire.invokedAt + lease.acquire.grant.leaseTtlMs;
      for (const earlier of lease.heartbeats) {
        if (earlier.outcome === 'ok' && earlier.completedAt <= beat.invokedAt) {
          until = Math.max(until, earlier.invokedAt + earlier.leaseTtlMs);
        }
      }
      if (beat.invokedAt < lease.heldFrom || beat.completedAt >= until - toleranceMs) continue;
      violations.push({
        rule: 'lease-lost-early',
        credentialId,
        opIds: [lease.acquire.opId, beat.opId],
        message:
          `heartbeat of fencing ${lease.fencingToken} failed with ${beat.code} ` +
          `${Math.round(until - beat.completedAt)} ms before the lease could have expired`,
      });
    }
  }
  return violations;
}
