import type { AcquireOp, Disturbance, History, Op } from '../history.ts';

/*
 * What the history can prove about parked tickets (acquire with `wait`). The waiting
 * clients give every ticket its own ownerId, so the ownerId names the ticket.
 *
 * The stated bounds (spec/broker-additions.md §1) the rules allow for:
 * - a ticket lapses 5 s (`ticketGraceMs`) after its last answer or disconnect, and when
 *   the broker holding it dies or stalls (nobody renews it);
 * - a grant not picked up within 5 s is reclaimed and handed on;
 * - a live waiter waits at most 500 ms (`reconcileIntervalMs`) while a credential it may
 *   take is free.
 *
 * A ticket is CERTAINLY LIVE over a segment of its requests where every request got a
 * proper answer (granted, or 409 waiting) within its maxWaitMs + `SLOW_ANSWER_MS`, and
 * each re-ask followed the previous answer within `REASK_GAP_MS`. Inside such a segment
 * no lapse is possible (every gap is far below 5 s) and no grant can sit undelivered for
 * 5 s (the broker answered promptly, so it was alive and re-read its waiters), so a
 * waiting answer proves the ticket held no grant at that answer's last store step.
 */

export const TICKET_GRACE_MS = 5_000;
export const RECONCILE_MS = 500;
/** A proper answer arrives at most this long after the request's maxWaitMs ran out. */
export const SLOW_ANSWER_MS = 1_500;
/** A re-ask this soon after the previous answer keeps the ticket certainly live. */
export const REASK_GAP_MS = 1_000;

export type ParkedOp = AcquireOp & { waitMode: 'parked' };

export function isParked(op: Op): op is ParkedOp {
  return op.type === 'acquire' && op.waitMode === 'parked';
}

/** A waiting answer: the ticket was queued and held no grant at the request's last store step. */
export function isWaitingAnswer(op: AcquireOp): boolean {
  return op.outcome === 'failed' && op.code === 'POOL_EXHAUSTED' && op.place?.waiting === true;
}

/**
 * The earliest harness time of the last store step of a waiting answer: a parked request
 * asks the store once more after its maxWaitMs ran out (in the broker, which received the
 * request after its invocation) and only then answers waiting. A faster waiting answer
 * (a broker draining) proves only its invocation.
 */
export function waitingEvidenceAt(op: ParkedOp): number {
  const maxWaitMs = op.maxWaitMs ?? 0;
  return op.completedAt - op.invokedAt >= maxWaitMs ? op.invokedAt + maxWaitMs : op.invokedAt;
}

export interface LiveSegment {
  ownerId: string;
  kind: string;
  priority: number;
  requests: ParkedOp[];
  /** The ticket was certainly queued from here (its first answer in the segment). */
  queuedBy: number;
  /** Latest time it certainly still waited without a grant (last waiting evidence). */
  waitingUntil: number;
  /** The ok answer that ends the ticket's wait, when it is in this segment. */
  granted?: ParkedOp;
}

export interface Ticket {
  ownerId: string;
  kind: string;
  priority: number;
  requests: ParkedOp[];
  /** No store step of the ticket happened before this (its first invocation). */
  firstInvokedAt: number;
  segments: LiveSegment[];
  /** The ok answer that ended its wait, if any. */
  granted?: ParkedOp;
}

function isProper(op: ParkedOp): boolean {
  if (op.outcome !== 'ok' && !isWaitingAnswer(op)) return false;
  return op.completedAt - op.invokedAt <= (op.maxWaitMs ?? 0) + SLOW_ANSWER_MS;
}

function segmentsOf(requests: ParkedOp[]): LiveSegment[] {
  const segments: LiveSegment[] = [];
  let current: ParkedOp[] = [];
  const close = () => {
    const first = current[0];
    if (first !== undefined) {
      const granted = current.find((op) => op.outcome === 'ok');
      const waiting = current.filter(isWaitingAnswer).map(waitingEvidenceAt);
      segments.push({
        ownerId: first.ownerId,
        kind: first.kind,
        priority: first.priority ?? 0,
        requests: current,
        queuedBy: first.completedAt,
        waitingUntil: waiting.length > 0 ? Math.max(...waiting) : -Infinity,
        ...(granted ? { granted } : {}),
      });
    }
    current = [];
  };
  for (const op of requests) {
    const previous = current.at(-1);
    if (!isProper(op)) {
      close();
      continue;
    }
    if (previous !== undefined && op.invokedAt - previous.completedAt > REASK_GAP_MS) close();
    current.push(op);
    if (op.outcome === 'ok') close();
  }
  close();
  return segments;
}

/** Every parked ticket of the history, its requests in order, cut into live segments. */
export function ticketsOf(history: History): Ticket[] {
  const byOwner = new Map<string, ParkedOp[]>();
  for (const op of history.ops) {
    if (!isParked(op)) continue;
    const list = byOwner.get(op.ownerId) ?? [];
    list.push(op);
    byOwner.set(op.ownerId, list);
  }
  return [...byOwner.values()].map((requests) => {
    requests.sort((a, b) => a.invokedAt - b.invokedAt);
    const first = requests[0]!;
    const granted = requests.find((op) => op.outcome === 'ok');
    return {
      ownerId: first.ownerId,
      kind: first.kind,
      priority: first.priority ?? 0,
      requests,
      firstInvokedAt: first.invokedAt,
      segments: segmentsOf(requests),
      ...(granted ? { granted } : {}),
    };
  });
}

/**
 * The earliest moment the lease an ok parked request answered with may have been stamped:
 * a re-ask after an unknown outcome may return a grant delivered (and stamped) by that
 * earlier request. For every other acquire, its own invocation.
 */
export function deliveryFloors(ops: Op[]): Map<number, number> {
  const floors = new Map<number, number>();
  const firstUnknown = new Map<string, number>();
  const parked = ops.filter(isParked).sort((a, b) => a.invokedAt - b.invokedAt);
  for (const op of parked) {
    const earlier = firstUnknown.get(op.ownerId);
    if (op.outcome === 'ok' && earlier !== undefined && earlier < op.invokedAt)
      floors.set(op.opId, earlier);
    if (op.outcome === 'unknown' && earlier === undefined)
      firstUnknown.set(op.ownerId, op.invokedAt);
  }
  return floors;
}

/** The windows' union, sorted and merged. */
export function mergedWindows(windows: Disturbance[]): [number, number][] {
  const sorted = windows
    .map((d): [number, number] => [d.startedAt, d.endedAt])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const window of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && window[0] <= last[1]) last[1] = Math.max(last[1], window[1]);
    else merged.push([...window]);
  }
  return merged;
}

/** The longest piece of [from, until] outside every window (windows sorted and merged). */
export function longestQuietPiece(
  from: number,
  until: number,
  windows: [number, number][],
): { from: number; until: number } {
  let best = { from, until: from };
  let cursor = from;
  for (const [start, end] of windows) {
    if (end <= cursor) continue;
    if (start >= until) break;
    if (start > cursor && start - cursor > best.until - best.from)
      best = { from: cursor, until: start };
    cursor = Math.max(cursor, end);
    if (cursor >= until) return best;
  }
  if (until - cursor > best.until - best.from) best = { from: cursor, until };
  return best;
}
