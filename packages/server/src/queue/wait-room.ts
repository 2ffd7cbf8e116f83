import { randomBytes } from 'node:crypto';
import { WAIT_POLICY } from '@qa-broker/contract';
import type { CredentialStore, WakeupSubscription } from '@qa-broker/store';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { describeError } from '../describe-error.js';

/** Why a parked request stopped waiting. */
export type ParkOutcome = 'woken' | 'timeout' | 'closed' | 'draining';

/** A broker keeps ticking a kind this long after it last served its queue (pickup lapses). */
const SERVED_RECENTLY_MS = 10_000;
/** The store clock's offset is measured again this often while the room ticks. */
const CLOCK_REFRESH_MS = 30_000;
/** A ticket whose client went away: a grant that reaches it within this time is handed on. */
const GONE_MEMORY_MS = WAIT_POLICY.ticketGraceMs;

interface Parked {
  kind: string;
  settle(outcome: ParkOutcome): void;
}

interface KindState {
  lastServedAt: number;
  expiryTimer?: NodeJS.Timeout;
  expiryAtMs?: number;
}

export interface WaitRoomOptions {
  store: CredentialStore;
  logger: Logger;
  /** How often parked tickets are renewed and re-read; default WAIT_POLICY.reconcileIntervalMs. */
  reconcileIntervalMs?: number;
}

/**
 * The broker's only queue state: its parked acquire requests, and the two ways it learns
 * that one of them was granted — the store's wake-up (Redis publish, PostgreSQL notify,
 * in-process for PGlite) and a reconcile tick every 500 ms that renews the parked tickets'
 * deadlines, hands on expired leases and lapsed pickups, and re-reads which tickets hold a
 * grant. Who gets a credential is always decided in the store; this room only holds the
 * requests open and knows when to ask again.
 *
 * Lifecycle: idle until the first request parks (then it subscribes and ticks), `drain()`
 * answers every parked request with its waiting answer (SIGTERM: clients re-ask
 * elsewhere), `close()` drains and stops everything.
 */
export class WaitRoom {
  /** This broker's identity in the store's waiter entries: wake-ups are addressed to it. */
  readonly brokerId = randomBytes(8).toString('hex');
  readonly #store: CredentialStore;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #parked = new Map<string, Parked>();
  readonly #kinds = new Map<string, KindState>();
  readonly #gone = new Map<string, { kind: string; at: number }>();
  #subscription: Promise<WakeupSubscription | undefined> | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #ticking = false;
  #draining = false;
  #clockOffsetMs = 0;
  #clockReadAt = -Infinity;

  constructor(options: WaitRoomOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#intervalMs = options.reconcileIntervalMs ?? WAIT_POLICY.reconcileIntervalMs;
  }

  get parkedCount(): number {
    return this.#parked.size;
  }

  /** Called for every queued acquire: the kind's queue is now this broker's business too. */
  served(kind: string): void {
    const state = this.#kinds.get(kind);
    if (state) state.lastServedAt = performance.now();
    else this.#kinds.set(kind, { lastServedAt: performance.now() });
    this.#start();
  }

  /**
   * Holds the request of `ticketId` open until the store grants it ('woken'), `waitMs`
   * passes ('timeout'), the client goes away ('closed') or the broker drains.
   */
  park(kind: string, ticketId: string, waitMs: number, res: Response): Promise<ParkOutcome> {
    if (this.#draining) return Promise.resolve('draining');
    if (res.closed) return Promise.resolve('closed');
    this.served(kind);
    // The same ticket asked again on this broker while its old request was still open: the
    // old one is answered "still waiting" and the new one waits.
    this.#parked.get(ticketId)?.settle('draining');
    return new Promise<ParkOutcome>((resolve) => {
      const onClose = () => {
        if (!res.writableFinished) settle('closed');
      };
      const timer = setTimeout(() => settle('timeout'), Math.max(0, waitMs));
      const settle = (outcome: ParkOutcome) => {
        clearTimeout(timer);
        res.off('close', onClose);
        if (this.#parked.get(ticketId)?.settle === settle) this.#parked.delete(ticketId);
        if (outcome === 'closed') this.#gone.set(ticketId, { kind, at: performance.now() });
        resolve(outcome);
      };
      res.on('close', onClose);
      this.#parked.set(ticketId, { kind, settle });
    });
  }

  /** Answers every parked request now (with its waiting answer) and parks no more. */
  drain(): void {
    this.#draining = true;
    for (const parked of [...this.#parked.values()]) parked.settle('draining');
  }

  async close(): Promise<void> {
    this.drain();
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    for (const state of this.#kinds.values()) clearTimeout(state.expiryTimer);
    this.#kinds.clear();
    const subscription = await this.#subscription;
    this.#subscription = undefined;
    await subscription?.close();
  }

  #start(): void {
    if (this.#draining) return;
    this.#subscription ??= this.#store
      .subscribeWakeups(this.brokerId, (ticketIds) => this.#wake(ticketIds))
      .catch((error: unknown) => {
        // Ticks still find every grant within 500 ms; try subscribing again next time.
        this.#logger.warn({ err: describeError(error) }, 'wake-up subscription failed');
        this.#subscription = undefined;
        return undefined;
      });
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(() => void this.#tick(), this.#intervalMs);
      this.#ticker.unref();
    }
  }

  #wake(ticketIds: string[]): void {
    for (const ticketId of ticketIds) {
      const parked = this.#parked.get(ticketId);
      if (parked) {
        parked.settle('woken');
        continue;
      }
      // Granted to a request whose client left: hand it on now, not at pickup lapse.
      const gone = this.#gone.get(ticketId);
      if (gone && performance.now() - gone.at < GONE_MEMORY_MS) {
        this.#gone.delete(ticketId);
        this.cancel(gone.kind, ticketId);
      }
    }
  }

  /** The client of a ticket went away: a grant it holds but never picked up goes on now. */
  cancel(kind: string, ticketId: string): void {
    this.#store.cancelWait({ kind, ticketId }).catch((error: unknown) => {
      this.#logger.warn({ kind, err: describeError(error) }, 'cancelling a wait failed');
    });
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const now = performance.now();
      for (const [ticketId, gone] of this.#gone) {
        if (now - gone.at >= GONE_MEMORY_MS) this.#gone.delete(ticketId);
      }
      const byKind = new Map<string, string[]>();
      for (const [ticketId, parked] of this.#parked) {
        const tickets = byKind.get(parked.kind);
        if (tickets) tickets.push(ticketId);
        else byKind.set(parked.kind, [ticketId]);
      }
      for (const [kind, state] of this.#kinds) {
        if (byKind.has(kind)) state.lastServedAt = now;
        else if (now - state.lastServedAt > SERVED_RECENTLY_MS) {
          clearTimeout(state.expiryTimer);
          this.#kinds.delete(kind);
        }
      }
      if (this.#kinds.size === 0 && this.#parked.size === 0) {
        clearInterval(this.#ticker);
        this.#ticker = undefined;
        return;
      }
      await Promise.all(
        [...this.#kinds.keys()].map((kind) => this.#tickKind(kind, byKind.get(kind) ?? [])),
      );
    } finally {
      this.#ticking = false;
    }
  }

  async #tickKind(kind: string, ticketIds: string[]): Promise<void> {
    try {
      const result = await this.#store.tickWaiters({ kind, brokerId: this.brokerId, ticketIds });
      this.#wake(result.granted);
      await this.#armExpiryTimer(kind, result.nextExpiryAtMs);
    } catch (error) {
      this.#logger.warn({ kind, err: describeError(error) }, 'queue tick failed');
    }
  }

  /**
   * An expired lease is handed on at its expiry, not at the next tick: one timer per kind
   * on the earliest expiry the store reported (store clock, translated with a measured offset).
   */
  async #armExpiryTimer(kind: string, expiresAtMs: number | undefined): Promise<void> {
    const state = this.#kinds.get(kind);
    if (!state) return;
    if (state.expiryTimer !== undefined && state.expiryAtMs === expiresAtMs) return;
    clearTimeout(state.expiryTimer);
    state.expiryTimer = undefined;
    state.expiryAtMs = undefined;
    if (expiresAtMs === undefined) return;
    const delayMs = expiresAtMs - (await this.#storeNowEstimate()) + 1;
    // Further out, a later tick arms it: the timer only has to beat the next few ticks.
    if (delayMs > this.#intervalMs * 4) return;
    state.expiryAtMs = expiresAtMs;
    state.expiryTimer = setTimeout(
      () => {
        state.expiryTimer = undefined;
        state.expiryAtMs = undefined;
        const tickets = [...this.#parked].filter(([, p]) => p.kind === kind).map(([id]) => id);
        void this.#tickKind(kind, tickets);
      },
      Math.max(0, delayMs),
    );
    state.expiryTimer.unref();
  }

  async #storeNowEstimate(): Promise<number> {
    if (performance.now() - this.#clockReadAt > CLOCK_REFRESH_MS) {
      const before = Date.now();
      const storeNow = await this.#store.now();
      this.#clockOffsetMs = storeNow - (before + Date.now()) / 2;
      this.#clockReadAt = performance.now();
    }
    return Date.now() + this.#clockOffsetMs;
  }
}
