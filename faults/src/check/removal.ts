import type { CredentialOps } from './leases.ts';
import type { Violation } from './violation.ts';

/** The answer time of the first acknowledged removal, if any. */
export function removalAckedAt(ops: CredentialOps): { at: number; opId: number } | undefined {
  let first: { at: number; opId: number } | undefined;
  for (const remove of ops.removes) {
    if (remove.outcome === 'ok' && (!first || remove.completedAt < first.at)) {
      first = { at: remove.completedAt, opId: remove.opId };
    }
  }
  return first;
}

/** A credential is never granted by an acquire invoked after its removal was acknowledged. */
export function checkRemovedNotGranted(credentialId: string, ops: CredentialOps): Violation[] {
  const removed = removalAckedAt(ops);
  if (!removed) return [];
  return ops.leases
    .filter((lease) => lease.acquire.invokedAt > removed.at)
    .map((lease) => ({
      rule: 'removed-granted' as const,
      credentialId,
      opIds: [removed.opId, lease.acquire.opId],
      message: `granted with fencing ${lease.fencingToken} after its removal was acknowledged`,
    }));
}
