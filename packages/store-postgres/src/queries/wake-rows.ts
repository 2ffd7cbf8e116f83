/** A grant made to an explicit waiter: the broker to wake and the ticket to re-ask. */
export interface Wakeup {
  brokerId: string;
  ticketId: string;
}

/** The queue functions return their wake-ups as two parallel arrays. */
export interface WakeColumns {
  wake_brokers: string[] | null;
  wake_tickets: string[] | null;
}

export function toWakeups(row: WakeColumns | undefined): Wakeup[] {
  const brokers = row?.wake_brokers ?? [];
  const tickets = row?.wake_tickets ?? [];
  return brokers.map((brokerId, i) => ({ brokerId, ticketId: tickets[i] ?? '' }));
}
