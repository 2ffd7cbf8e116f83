import type { CredentialOps, LeaseView } from './leases.ts';
import type { Violation } from './violation.ts';

/**
 * Fencing tokens strictly increase in grant order. A lease was certainly granted before
 * another when its acquire answered before the other's acquire was invoked; concurrent
 * acquires have no order to check. Tokens are also unique per credential.
 */
export function checkFencing(credentialId: string, ops: CredentialOps): Violation[] {
  const violations: Violation[] = [];
  const leases = ops.leases; // ascending fencing token
  for (let i = 1; i < leases.length; i++) {
    const previous = leases[i - 1]!;
    const current = leases[i]!;
    if (previous.fencingToken === current.fencingToken) {
      violations.push({
        rule: 'fencing-order',
        credentialId,
        opIds: [previous.acquire.opId, current.acquire.opId],
        message: `two grants share fencing token ${current.fencingToken}`,
      });
    }
  }
  // Walk from the highest token down, remembering the earliest answer among higher tokens.
  let earliestHigher: LeaseView | undefined;
  for (let i = leases.length - 1; i >= 0; i--) {
    const lease = leases[i]!;
    if (
      earliestHigher &&
      earliestHigher.fencingToken > lease.fencingToken &&
      earliestHigher.acquire.completedAt < lease.acquire.invokedAt
    ) {
      violations.push({
        rule: 'fencing-order',
        credentialId,
        opIds: [earliestHigher.acquire.opId, lease.acquire.opId],
        message:
          `fencing token ${earliestHigher.fencingToken} was granted before ` +
          `fencing token ${lease.fencingToken}`,
      });
    }
    if (!earliestHigher || lease.acquire.completedAt < earliestHigher.acquire.completedAt)
      earliestHigher = lease;
  }
  return violations;
}
