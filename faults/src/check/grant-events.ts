import type { AcquireOp, GrantEvent, History } from '../history.ts';
import type { CredentialOps } from './leases.ts';
import { removalAckedAt } from './removal.ts';
import type { StoreClock } from './store-clock.ts';
import { earliestHarnessTime } from './store-clock.ts';
import type { Violation } from './violation.ts';

/**
 * Audits the store's own record of grants (its `acquire` events), which also shows the
 * grants no client saw. Every acquire has its own ownerId, so an event names one acquire.
 * - a grant needs an acquire that was ok for that credential, or unknown; a definite
 *   failure (4xx) promised that nothing changed;
 * - an ok acquire has exactly one event;
 * - after a 5xx answer the broker has told the client it gave up: a grant certainly
 *   later than that answer is one nobody can ever release;
 * - no grant certainly after a removal was acknowledged (this also covers unseen ones).
 */
export function checkGrantEvents(
  history: History,
  events: GrantEvent[],
  clock: StoreClock,
  credentials: Map<string, CredentialOps>,
  toleranceMs: number,
): Violation[] {
  const violations: Violation[] = [];
  const acquires = new Map<string, AcquireOp>();
  for (const op of history.ops) if (op.type === 'acquire') acquires.set(op.ownerId, op);
  const seen = new Map<string, number>();
  // Mapping store times to harness times needs one consistent store clock; when the
  // bounds cross, that is reported on its own and these time rules would only add noise.
  const timeKnown = Number.isFinite(clock.hi) && clock.lo <= clock.hi + toleranceMs;

  for (const event of events) {
    const op = acquires.get(event.ownerId);
    seen.set(event.ownerId, (seen.get(event.ownerId) ?? 0) + 1);
    if (!op) {
      violations.push({
        rule: 'unexplained-grant',
        credentialId: event.credentialId,
        opIds: [],
        message: 'the store granted a lease to an owner that never sent an acquire',
      });
      continue;
    }
    if (
      op.outcome === 'failed' ||
      (op.outcome === 'ok' && op.grant?.credentialId !== event.credentialId)
    ) {
      violations.push({
        rule: 'unexplained-grant',
        credentialId: event.credentialId,
        opIds: [op.opId],
        message:
          op.outcome === 'failed'
            ? `the store granted a lease for an acquire answered ${op.httpStatus ?? '?'} ${op.code ?? ''}`.trimEnd()
            : 'the store granted another credential than the acquire answered',
      });
    }
    if (timeKnown) {
      const earliest = earliestHarnessTime(clock, event.occurredAtMs);
      const gaveUp =
        op.outcome === 'unknown' && op.httpStatus !== undefined && op.httpStatus >= 500;
      if (gaveUp && earliest > op.completedAt + toleranceMs) {
        violations.push({
          rule: 'granted-after-gave-up',
          credentialId: event.credentialId,
          opIds: [op.opId],
          message:
            `granted ${Math.round(earliest - op.completedAt)} ms after the broker answered ` +
            `${op.httpStatus} ${op.code ?? ''}`.trimEnd(),
        });
      }
      const credentialOps = credentials.get(event.credentialId);
      const removed = credentialOps ? removalAckedAt(credentialOps) : undefined;
      if (removed && earliest > removed.at + toleranceMs) {
        violations.push({
          rule: 'removed-granted',
          credentialId: event.credentialId,
          opIds: [removed.opId, op.opId],
          message: 'the store granted it after its removal was acknowledged',
        });
      }
    }
  }
  for (const op of acquires.values()) {
    const count = seen.get(op.ownerId) ?? 0;
    if (op.outcome === 'ok' && count === 0) {
      violations.push({
        rule: 'grant-event-missing',
        credentialId: op.grant?.credentialId,
        opIds: [op.opId],
        message: 'acquire answered ok but the store has no acquire event for it',
      });
    }
    if (count > 1) {
      violations.push({
        rule: 'unexplained-grant',
        opIds: [op.opId],
        message: `one acquire produced ${count} grants`,
      });
    }
  }
  return violations;
}
