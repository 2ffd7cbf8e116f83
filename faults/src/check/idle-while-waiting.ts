import type { History } from '../history.ts';
import type { CredentialOps } from './leases.ts';
import type { Ticket } from './tickets.ts';
import { RECONCILE_MS, TICKET_GRACE_MS, longestQuietPiece, mergedWindows } from './tickets.ts';
import type { Violation } from './violation.ts';

export interface IdleOptions {
  /** Beyond the 500 ms reconcile bound: answer transit and scheduling on a busy machine. */
  slackMs: number;
  /** How long a grant no client saw (an acquire with an unknown outcome) may keep a credential. */
  unseenGrantMs: number;
}

/** After a fault, the stated bounds: pickup 5 s (a dead broker's grant) + one reconcile + reconnect. */
const AFTER_FAULT_MS = TICKET_GRACE_MS + RECONCILE_MS + 500;

/**
 * No credential stays idle while a live parked ticket waits (spec §1: a live waiter never
 * waits more than 500 ms while a credential it may take is free; a grant handed to a
 * waiter counts as idle until it is delivered). On the harness clock, a credential is idle
 * from a release's ok answer until the next grant of it is answered — for an old client,
 * from the poll that took it when that was sent later (its reservation waits for its
 * poll) — or until a removal of it is sent. It is a violation when a ticket of
 * the same kind was certainly live and waiting (see ./tickets.ts) through more than
 * 500 ms + slack of that idle time, outside every fault window (plus 6 s after it) and
 * outside the reach of any grant no client saw.
 *
 * This is a timing rule: it trusts answers to arrive within the slack outside faults.
 */
export function checkIdleWhileWaiting(
  history: History,
  tickets: Ticket[],
  credentials: Map<string, CredentialOps>,
  options: IdleOptions,
): Violation[] {
  const violations: Violation[] = [];
  const queueKinds = new Set(tickets.map((ticket) => ticket.kind));
  const bound = RECONCILE_MS + options.slackMs;

  for (const [credentialId, ops] of credentials) {
    const leases = ops.leases;
    const kind = leases[0]?.acquire.kind;
    if (kind === undefined || !queueKinds.has(kind)) continue;
    const windows = excusedWindows(history, kind, options.unseenGrantMs);
    const removedAt = ops.removes
      .filter((op) => op.outcome !== 'failed')
      .map((op) => op.invokedAt)
      .sort((a, b) => a - b);

    for (let i = 0; i < leases.length; i += 1) {
      const lease = leases[i]!;
      const okReleases = lease.releases.filter((op) => op.outcome === 'ok');
      if (okReleases.length === 0) continue;
      const releasedAt = Math.min(...okReleases.map((op) => op.completedAt));
      const next = leases[i + 1];
      // An old client's reservation waits for its next poll; a parked ticket was there all along.
      const idleFrom =
        next && next.acquire.waitMode !== 'parked'
          ? Math.max(releasedAt, next.acquire.invokedAt)
          : releasedAt;
      let idleUntil = next ? next.acquire.completedAt : Infinity;
      const removal = removedAt.find((at) => at > releasedAt);
      if (removal !== undefined) idleUntil = Math.min(idleUntil, removal);
      if (idleUntil - idleFrom <= bound) continue;

      const found = findLiveWaiter(
        tickets,
        kind,
        lease.acquire.ownerId,
        idleFrom,
        idleUntil,
        windows,
        bound,
      );
      if (found === undefined) continue;
      violations.push({
        rule: 'idle-while-waiting',
        credentialId,
        opIds: [
          okReleases[0]!.opId,
          ...(next ? [next.acquire.opId] : []),
          found.ticket.requests[0]!.opId,
        ],
        message:
          `credential idle ${Math.round(found.quietMs)} ms (outside faults) after its release ` +
          `while ticket ${found.ticket.ownerId} waited; the bound is ${RECONCILE_MS} ms + ${options.slackMs} ms slack`,
      });
    }
  }
  return violations;
}

/**
 * Where idle time is not judged: each fault plus 6 s after it, and the reach of every
 * acquire of the kind with an unknown outcome (a grant nobody saw may hold a credential).
 */
function excusedWindows(history: History, kind: string, unseenGrantMs: number): [number, number][] {
  const unseen = history.ops
    .filter((op) => op.type === 'acquire' && op.kind === kind && op.outcome === 'unknown')
    .map((op) => ({
      startedAt: op.invokedAt,
      endedAt: op.completedAt + unseenGrantMs,
      what: 'unseen grant',
    }));
  const faults = (history.disturbances ?? []).map((d) => ({
    ...d,
    endedAt: d.endedAt + AFTER_FAULT_MS,
  }));
  return mergedWindows([...faults, ...unseen]);
}

function findLiveWaiter(
  tickets: Ticket[],
  kind: string,
  releasedBy: string,
  idleFrom: number,
  idleUntil: number,
  windows: [number, number][],
  bound: number,
): { ticket: Ticket; quietMs: number } | undefined {
  for (const ticket of tickets) {
    if (ticket.kind !== kind || ticket.ownerId === releasedBy) continue;
    for (const segment of ticket.segments) {
      const liveUntil = segment.granted ? segment.granted.completedAt : segment.waitingUntil;
      const from = Math.max(idleFrom, segment.queuedBy);
      const until = Math.min(idleUntil, liveUntil);
      if (until - from <= bound) continue;
      const quiet = longestQuietPiece(from, until, windows);
      const quietMs = quiet.until - quiet.from;
      if (quietMs > bound) return { ticket, quietMs };
    }
  }
  return undefined;
}
