import type { FinalState } from '../history.ts';
import type { Violation } from './violation.ts';

/**
 * Once every lease has ended or expired, every active credential is free: the drain
 * (acquire until POOL_EXHAUSTED, per kind) got each of them once, no disabled one, and
 * admin/list shows no lease that expires after the drain began.
 */
export function checkFinalState(final: FinalState): Violation[] {
  const violations: Violation[] = [];
  const drainedByKind = new Map(final.drained.map((entry) => [entry.kind, entry.credentialIds]));
  const status = new Map(
    final.credentials.map((credential) => [credential.credentialId, credential.status]),
  );
  for (const credential of final.credentials) {
    const drained = drainedByKind.get(credential.kind);
    if (credential.status === 'active' && !drained?.includes(credential.credentialId)) {
      violations.push({
        rule: 'not-free-at-end',
        credentialId: credential.credentialId,
        opIds: [],
        message: drained
          ? 'active credential could not be acquired after every lease had ended'
          : `kind ${JSON.stringify(credential.kind)} was not drained at the end`,
      });
    }
    const expiresAtMs = credential.lease?.expiresAtMs;
    if (
      final.drainStoreNowMs !== undefined &&
      expiresAtMs !== undefined &&
      expiresAtMs > final.drainStoreNowMs
    ) {
      violations.push({
        rule: 'not-free-at-end',
        credentialId: credential.credentialId,
        opIds: [],
        message: `still leased ${expiresAtMs - final.drainStoreNowMs} ms past the end of every lease`,
      });
    }
  }
  for (const [kind, ids] of drainedByKind) {
    const unique = new Set(ids);
    if (unique.size !== ids.length) {
      violations.push({
        rule: 'overlap',
        opIds: [],
        message: `the final drain of ${JSON.stringify(kind)} got one credential twice`,
      });
    }
    for (const id of unique) {
      if (status.get(id) === 'disabled') {
        violations.push({
          rule: 'removed-granted',
          credentialId: id,
          opIds: [],
          message: 'a removed credential was granted in the final drain',
        });
      } else if (!status.has(id)) {
        violations.push({
          rule: 'unexplained-grant',
          credentialId: id,
          opIds: [],
          message: 'the final drain got a credential that admin/list does not show',
        });
      }
    }
  }
  return violations;
}
