import type { Ticket } from './tickets.ts';
import type { Violation } from './violation.ts';

/**
 * FIFO among parked tickets of one kind and equal priority (spec §1: order is
 * `(priority desc, arrival asc)`, arrival taken in the store the first time it sees the
 * ticket). Ticket B's grant breaks the order when a ticket A
 * - certainly joined before B could have: A's live segment began with an answer that came
 *   before B's very first request was sent (re-joining after a lapse only moves B back);
 * - stayed certainly live from then on and certainly held no grant after B's grant was
 *   answered: the same segment has a waiting answer whose last store step came after it.
 * Neither a lapse (segments end at any gap, slow or unknown answer) nor a grant handed
 * on after the 5 s pickup can explain that.
 */
export function checkFifo(tickets: Ticket[], toleranceMs: number): Violation[] {
  const violations: Violation[] = [];
  const byKind = new Map<string, Ticket[]>();
  for (const ticket of tickets) {
    const list = byKind.get(ticket.kind) ?? [];
    list.push(ticket);
    byKind.set(ticket.kind, list);
  }
  for (const list of byKind.values()) {
    for (const jumper of list) {
      const grant = jumper.granted;
      if (grant === undefined) continue;
      for (const ahead of list) {
        if (ahead === jumper || ahead.priority !== jumper.priority) continue;
        const segment = ahead.segments.find(
          (s) =>
            s.queuedBy + toleranceMs < jumper.firstInvokedAt &&
            s.waitingUntil > grant.completedAt + toleranceMs,
        );
        if (segment === undefined) continue;
        violations.push({
          rule: 'fifo-order',
          credentialId: grant.grant?.credentialId,
          opIds: [segment.requests[0]!.opId, jumper.requests[0]!.opId, grant.opId],
          message:
            `ticket ${jumper.ownerId} was granted while ${ahead.ownerId} (queued ` +
            `${Math.round(jumper.firstInvokedAt - segment.queuedBy)} ms before it asked, same priority) ` +
            `still waited ${Math.round(segment.waitingUntil - grant.completedAt)} ms later`,
        });
        break;
      }
    }
  }
  return violations;
}
