import type { AcquireOp, GrantEvent, History } from '../history.ts';
import type { CredentialOps } from './leases.ts';
import { removalAckedAt } from './removal.ts';
import type { StoreClock } from './store-clock.ts';
import { earliestHarnessTime } from './store-clock.ts';
import { TICKET_GRACE_MS, isWaitingAnswer } from './tickets.ts';
import type { Violation } from './violation.ts';

/**
 * Audits the store's own record of grants (its `acquire` events), which also shows the
 * grants no client saw. Every acquire attempt has its own ownerId, so an event names one
 * attempt (a parked ticket's requests, or an old client's polls, share one).
 * - a grant needs an acquire that was ok for that credential, or unknown, or an answer that
 *   left its caller queued (a ticket's waiting answer, an old client's place: a grant or a
 *   reservation may follow until it lapses); any other 4xx promised that nothing changed;
 * - an ok acquire has exactly one event;
 * - after a 5xx answer the broker has told the client it gave up: a grant certainly
 *   later than that answer (for a ticket: than its 5 s grace) is one nobody can release;
 * - no grant certainly after a removal was acknowledged (this also covers unseen ones).
 */
/** The answer left its caller in the queue: a ticket's waiting answer, an old client's place. */
function leftQueued(op: AcquireOp): boolean {
  if (op.waitMode === 'parked') return isWaitingAnswer(op);
  return op.waitMode === 'polling' && op.place !== undefined;
}

export function checkGrantEvents(
  history: History,
  events: GrantEvent[],
  clock: StoreClock,
  credentials: Map<string, CredentialOps>,
  toleranceMs: number,
): Violation[] {
  const violations: Violation[] = [];
  // Usually one acquire per owner; a parked ticket or a polling old client sends several.
  const acquires = new Map<string, AcquireOp[]>();
  for (const op of history.ops) {
    if (op.type !== 'acquire') continue;
    const group = acquires.get(op.ownerId) ?? [];
    group.push(op);
    acquires.set(op.ownerId, group);
  }
  const seen = new Map<string, number>();
  // Mapping store times to harness times needs one consistent store clock; when the
  // bounds cross, that is reported on its own and these time rules would only add noise.
  const timeKnown = Number.isFinite(clock.hi) && clock.lo <= clock.hi + toleranceMs;

  for (const event of events) {
    const group = acquires.get(event.ownerId);
    seen.set(event.ownerId, (seen.get(event.ownerId) ?? 0) + 1);
    if (!group) {
      violations.push({
        rule: 'unexplained-grant',
        credentialId: event.credentialId,
        opIds: [],
        message: 'the store granted a lease to an owner that never sent an acquire',
      });
      continue;
    }
    const answered = group.find(
      (op) => op.outcome === 'ok' && op.grant?.credentialId === event.credentialId,
    );
    const unknown = group.filter((op) => op.outcome === 'unknown');
    // A waiting answer, or a place shown to an old client, left the caller queued: a
    // grant (or a reservation) may follow until its place lapses.
    const queued = group.filter(leftQueued);
    const op = answered ?? unknown[0] ?? queued.at(-1) ?? group.at(-1)!;
    if (!answered && unknown.length === 0 && queued.length === 0) {
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
      if (!answered) {
        const gaveUp = unknown.find((u) => u.httpStatus !== undefined && u.httpStatus >= 500);
        // A timeout or reset may take effect at any time; a 5xx or a waiting answer only
        // until the caller's place lapses (at once for v1, ticketGraceMs for a ticket).
        const timely = [...unknown, ...queued].some(
          (u) =>
            (u.outcome === 'unknown' && (u.httpStatus === undefined || u.httpStatus < 500)) ||
            earliest <=
              u.completedAt + (u.waitMode === undefined ? 0 : TICKET_GRACE_MS) + toleranceMs,
        );
        if (gaveUp && !timely) {
          violations.push({
            rule: 'granted-after-gave-up',
            credentialId: event.credentialId,
            opIds: [gaveUp.opId],
            message:
              `granted ${Math.round(earliest - gaveUp.completedAt)} ms after the broker answered ` +
              `${gaveUp.httpStatus} ${gaveUp.code ?? ''}`.trimEnd(),
          });
        }
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
  for (const [ownerId, group] of acquires) {
    const count = seen.get(ownerId) ?? 0;
    const ok = group.filter((op) => op.outcome === 'ok');
    for (const op of ok) {
      if (count === 0) {
        violations.push({
          rule: 'grant-event-missing',
          credentialId: op.grant?.credentialId,
          opIds: [op.opId],
          message: 'acquire answered ok but the store has no acquire event for it',
        });
      }
    }
    // Each answered grant, each unseen one, and one grant handed to a ticket left queued
    // (then reclaimed at pickup) are explained; anything beyond is not.
    const unknown = group.filter((op) => op.outcome === 'unknown').length;
    const queued = group.some(leftQueued) ? 1 : 0;
    if (count > Math.max(1, ok.length + unknown + queued)) {
      violations.push({
        rule: 'unexplained-grant',
        opIds: [group[0]!.opId],
        message: `one acquire produced ${count} grants`,
      });
    }
  }
  return violations;
}
