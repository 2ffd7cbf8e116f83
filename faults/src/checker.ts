/**
 * The checker: a pure function from a recorded history to the list of violated
 * guarantees. It does no I/O and trusts nothing but the history.
 *
 * Two clocks meet here. Harness times (`invokedAt`, `completedAt`) are one monotonic
 * clock; lease times (`expiresAtMs`) are the STORE's clock, which the harness never reads
 * directly. The reasoning that makes "certainly held" sound:
 *
 * 1. An operation takes effect in the store at some instant between its invocation and
 *    its answer (for unknown outcomes: at any instant after its invocation, or never).
 * 2. The store sets `expiresAtMs = storeNow + ttl` when it grants or extends a lease, and
 *    the store clock advances at the rate of the harness clock (one machine; the harness
 *    waits in real time). So a lease granted or extended by an operation invoked at `t`
 *    with TTL `ttl` cannot expire before harness time `t + ttl`. Using the invocation,
 *    not the answer, is what makes the bound conservative: the store may have acted a
 *    moment after the invocation, which only makes the real expiry later. The returned
 *    `expiresAtMs` is therefore used only through `expiresAtMs − storeNow = ttl`.
 * 3. The holder knows it holds the lease from the acquire's ok ANSWER, not before.
 * 4. A lease ends early only by a release; one that may have happened (ok or unknown)
 *    ends certain holding at its invocation.
 *
 * So a lease is CERTAINLY held over [acquire answer, min(first possible release,
 * max(acquire invocation + ttl, each ok heartbeat's invocation + its ttl))]. A correct
 * broker grants the next lease of that credential only after the previous one really
 * ended, which is no earlier than that bound; two certainly-held intervals that overlap
 * (by more than `clockToleranceMs`, which absorbs millisecond rounding of store times)
 * are a double grant, whatever the brokers' own clocks say. The other rules, one file
 * each in ./check/, are written the same way: a violation is reported only when EVERY
 * ordering of the uncertain instants that fits the history breaks the guarantee.
 *
 * Parked tickets (acquire with `wait`) add two rules, in ./check/fifo.ts and
 * ./check/idle-while-waiting.ts, built on what ./check/tickets.ts proves about a ticket's
 * liveness; a re-ask after an unknown outcome may return a lease stamped by that earlier
 * request, so such a lease's certain holding starts from the earlier invocation.
 *
 * The store clock offset (store − harness) is bounded by every ok acquire and heartbeat
 * (their store time `expiresAtMs − ttl` lies between invocation and answer). If the bounds
 * cross, lease times did not come from one clock: some broker used its own.
 */
import { checkFencing } from './check/fencing.ts';
import { checkFifo } from './check/fifo.ts';
import { checkIdleWhileWaiting } from './check/idle-while-waiting.ts';
import { checkFinalState } from './check/final-state.ts';
import { checkGrantEvents } from './check/grant-events.ts';
import { isGranted, leasesByCredential } from './check/leases.ts';
import { checkOverlap } from './check/overlap.ts';
import { checkRemovedNotGranted } from './check/removal.ts';
import { checkSnapshots } from './check/snapshots.ts';
import { checkLostEarly, checkStale } from './check/stale.ts';
import { checkStoreClock, storeClockBounds } from './check/store-clock.ts';
import { ticketsOf } from './check/tickets.ts';
import type { Violation } from './check/violation.ts';
import type { History, Op } from './history.ts';

export type { Violation, ViolationRule } from './check/violation.ts';

export interface CheckOptions {
  /** Slack for millisecond rounding of store times; default 25 ms. */
  clockToleranceMs?: number;
  /** Beyond the queue's 500 ms hand-off bound, for answers on a busy machine; default 500 ms. */
  handoffSlackMs?: number;
  /** How long a grant no client saw may keep a credential; default 10.5 s (max TTL + 500 ms). */
  unseenGrantMs?: number;
}

export interface CheckStats {
  operations: number;
  byType: Record<Op['type'], { ok: number; failed: number; unknown: number }>;
  grants: number;
  credentials: number;
  grantEvents: number;
  snapshots: number;
  /** Parked tickets, and how much waiting the queue rules could judge (certainly live). */
  queue: { tickets: number; liveSegments: number; certainlyWaitingMs: number };
  /** Store clock minus harness clock, as narrowed by the history (undefined when unknown). */
  storeClockOffsetMs?: { lo: number; hi: number };
}

export interface CheckResult {
  violations: Violation[];
  stats: CheckStats;
}

function sanity(history: History): Violation[] {
  const violations: Violation[] = [];
  const ids = new Set<number>();
  for (const op of history.ops) {
    if (ids.has(op.opId)) {
      violations.push({ rule: 'malformed-history', opIds: [op.opId], message: 'duplicate opId' });
    }
    ids.add(op.opId);
    if (!(op.completedAt >= op.invokedAt)) {
      violations.push({
        rule: 'malformed-history',
        opIds: [op.opId],
        message: 'completed before it was invoked',
      });
    }
    if (op.type === 'acquire' && (op.outcome === 'ok') !== (op.grant !== undefined)) {
      violations.push({
        rule: 'malformed-history',
        opIds: [op.opId],
        message: 'an acquire has a grant iff it is ok',
      });
    }
  }
  return violations;
}

function countByType(ops: Op[]): CheckStats['byType'] {
  const zero = () => ({ ok: 0, failed: 0, unknown: 0 });
  const counts: CheckStats['byType'] = {
    acquire: zero(),
    heartbeat: zero(),
    release: zero(),
    remove: zero(),
  };
  for (const op of ops) counts[op.type][op.outcome] += 1;
  return counts;
}

export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const tolerance = options.clockToleranceMs ?? 25;
  const violations = sanity(history);
  const credentials = leasesByCredential(history);
  const clock = storeClockBounds(history.ops);
  violations.push(...checkStoreClock(clock, tolerance));

  for (const [credentialId, ops] of credentials) {
    violations.push(
      ...checkOverlap(credentialId, ops, tolerance),
      ...checkFencing(credentialId, ops),
      ...checkStale(credentialId, ops),
      ...checkLostEarly(credentialId, ops, tolerance),
      ...checkRemovedNotGranted(credentialId, ops),
    );
  }
  if (history.grantEvents) {
    violations.push(
      ...checkGrantEvents(history, history.grantEvents, clock, credentials, tolerance),
    );
  }
  if (history.snapshots) violations.push(...checkSnapshots(history.snapshots, credentials));
  if (history.final) violations.push(...checkFinalState(history.final));
  const tickets = ticketsOf(history);
  violations.push(
    ...checkFifo(tickets, tolerance),
    ...checkIdleWhileWaiting(history, tickets, credentials, {
      slackMs: options.handoffSlackMs ?? 500,
      unseenGrantMs: options.unseenGrantMs ?? 10_500,
    }),
  );

  return {
    violations,
    stats: {
      operations: history.ops.length,
      byType: countByType(history.ops),
      grants: history.ops.filter(isGranted).length,
      credentials: credentials.size,
      grantEvents: history.grantEvents?.length ?? 0,
      snapshots: history.snapshots?.length ?? 0,
      queue: {
        tickets: tickets.length,
        liveSegments: tickets.reduce((sum, ticket) => sum + ticket.segments.length, 0),
        certainlyWaitingMs: Math.round(
          tickets
            .flatMap((ticket) => ticket.segments)
            .reduce(
              (sum, s) =>
                sum + Math.max(0, (s.granted?.completedAt ?? s.waitingUntil) - s.queuedBy),
              0,
            ),
        ),
      },
      storeClockOffsetMs:
        Number.isFinite(clock.lo) && Number.isFinite(clock.hi)
          ? { lo: clock.lo, hi: clock.hi }
          : undefined,
    },
  };
}
