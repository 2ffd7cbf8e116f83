import type { CredentialOps } from './leases.ts';
import type { Violation } from './violation.ts';

/** No two leases of one credential are certainly held at the same moment. */
export function checkOverlap(
  credentialId: string,
  ops: CredentialOps,
  toleranceMs: number,
): Violation[] {
  const held = ops.leases
    .filter((lease) => lease.heldUntil > lease.heldFrom)
    .sort((a, b) => a.heldFrom - b.heldFrom);
  const violations: Violation[] = [];
  for (let i = 0; i < held.length; i++) {
    const first = held[i]!;
    for (let j = i + 1; j < held.length; j++) {
      const second = held[j]!;
      // Sorted by start: once one starts after `first` certainly ended, all later ones do.
      if (second.heldFrom >= first.heldUntil - toleranceMs) break;
      const overlapMs = Math.min(first.heldUntil, second.heldUntil) - second.heldFrom;
      if (overlapMs <= toleranceMs) continue;
      violations.push({
        rule: 'overlap',
        credentialId,
        opIds: [first.acquire.opId, second.acquire.opId],
        message:
          `leases with fencing tokens ${first.fencingToken} and ${second.fencingToken} ` +
          `were both certainly held for ${Math.round(overlapMs)} ms`,
      });
    }
  }
  return violations;
}
