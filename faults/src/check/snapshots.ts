import type { Snapshot } from '../history.ts';
import type { CredentialOps } from './leases.ts';
import type { Violation } from './violation.ts';

/**
 * An admin/list read happens somewhere inside its request, so a lease certainly held
 * over the WHOLE request must show up with its owner. Taken right after a store restart,
 * this is "every acknowledged grant is still there".
 */
export function checkSnapshots(
  snapshots: Snapshot[],
  credentials: Map<string, CredentialOps>,
): Violation[] {
  const violations: Violation[] = [];
  for (const snapshot of snapshots) {
    const listed = new Map(
      snapshot.credentials.map((credential) => [credential.credentialId, credential]),
    );
    for (const [credentialId, ops] of credentials) {
      for (const lease of ops.leases) {
        if (lease.heldFrom > snapshot.invokedAt || lease.heldUntil < snapshot.completedAt) continue;
        const shown = listed.get(credentialId);
        if (shown?.leaseOwnerId === lease.acquire.ownerId) continue;
        violations.push({
          rule: 'acknowledged-grant-lost',
          credentialId,
          opIds: [lease.acquire.opId],
          message:
            `admin/list ${snapshot.label} showed ${shown ? (shown.leaseOwnerId ? 'another owner' : 'no lease') : 'no such credential'} ` +
            `while fencing ${lease.fencingToken} was certainly held`,
        });
      }
    }
  }
  return violations;
}
