import { WAIT_POLICY } from '@qa-broker/contract';

/**
 * How long after its last WAITING answer a broker still needs wake-ups for a kind. A
 * request stays parked at most maxWaitMs after that answer (the contract's bound), its
 * ticket then lives ticketGraceMs more, and no grant can reach it after that. A client
 * that asks again gets a fresh WAITING answer, which starts the span again.
 */
export const WATCH_IDLE_MS = WAIT_POLICY.maxWaitMs.max + WAIT_POLICY.ticketGraceMs;

/**
 * The kinds each broker got a WAITING answer for recently, by the time of the latest one
 * (this process's monotonic clock). On a cluster, a broker's wake-up subscription listens
 * to exactly these kinds' channels. Kept by the store, not the subscription: the server
 * starts subscribing while its first acquire runs, so the first WAITING answer may come
 * before the subscription exists, and the subscription picks it up here.
 */
export class WaitingKinds {
  private readonly byBroker = new Map<string, Map<string, number>>();
  private lastSweepAt = performance.now();

  constructor(private readonly idleMs: number = WATCH_IDLE_MS) {}

  note(brokerId: string, kind: string): void {
    const now = performance.now();
    const kinds = this.byBroker.get(brokerId);
    if (kinds) kinds.set(kind, now);
    else this.byBroker.set(brokerId, new Map([[kind, now]]));
    // Brokers that never subscribe (other processes' tests, a broker gone) must not pile up.
    if (now - this.lastSweepAt > this.idleMs) this.sweep(now);
  }

  /** The broker's kinds with a WAITING answer within the last `idleMs` (at most the store's). */
  recent(brokerId: string, idleMs: number = this.idleMs): string[] {
    const kinds = this.byBroker.get(brokerId);
    if (!kinds) return [];
    const now = performance.now();
    const recent: string[] = [];
    for (const [kind, at] of kinds) {
      if (now - at <= idleMs) recent.push(kind);
      else if (now - at > this.idleMs) kinds.delete(kind);
    }
    if (kinds.size === 0) this.byBroker.delete(brokerId);
    return recent;
  }

  private sweep(now: number): void {
    this.lastSweepAt = now;
    for (const [brokerId, kinds] of this.byBroker) {
      for (const [kind, at] of kinds) if (now - at > this.idleMs) kinds.delete(kind);
      if (kinds.size === 0) this.byBroker.delete(brokerId);
    }
  }
}
