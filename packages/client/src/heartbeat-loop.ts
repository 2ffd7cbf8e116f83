import { BrokerError } from './broker-error.js';

/** Pauses before retrying a heartbeat after a transient failure (upstream's schedule). */
export const HEARTBEAT_RETRY_DELAYS_MS = [1_000, 3_000, 5_000] as const;

/** The pause before retry number `retry` (0-based) of a heartbeat that failed transiently. */
export function heartbeatRetryDelayMs(retry: number): number {
  return HEARTBEAT_RETRY_DELAYS_MS[Math.min(retry, HEARTBEAT_RETRY_DELAYS_MS.length - 1)]!;
}

/** A monotonic clock in ms, so a wall-clock jump cannot fake or hide an expired lease. */
export const monotonicNow = (): number => performance.now();

export interface HeartbeatLoopOptions {
  intervalMs: number;
  ttlMs: number;
  /** Extends the lease once; rejects with a BrokerError. */
  beat: (signal: AbortSignal) => Promise<void>;
  /** Called once, when the lease is no longer ours. */
  onLost: (reason: BrokerError) => void;
  describe: string;
}

/**
 * Keeps a lease alive: the first beat one interval after the grant, then each one interval
 * after the previous finished. Transient failures are retried after 1, 3, 5, 5… s; a
 * terminal failure, or reaching the TTL (counted from when the last successful request was
 * sent, on our own monotonic clock) without a successful beat, reports the lease lost.
 * Timers are unref'd: a forgotten lease never keeps the process alive.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private capTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private retries = 0;
  private stopped = false;

  constructor(private readonly options: HeartbeatLoopOptions) {}

  /** `confirmedAt`: monotonic time the grant's request was sent. */
  start(confirmedAt: number): void {
    this.armDeadline(confirmedAt);
    this.schedule(this.options.intervalMs);
  }

  /**
   * One beat now (shared with a beat already in flight). Resolves when the lease was
   * extended; rejects with the beat's error. A terminal error also reports the lease lost.
   */
  beatNow(): Promise<void> {
    if (this.stopped) {
      return Promise.reject(
        new BrokerError('LEASE_LOST', `${this.options.describe} is no longer held.`, {
          transient: false,
        }),
      );
    }
    this.inFlight ??= this.runBeat().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.capTimer);
    this.stopController.abort();
  }

  /**
   * The kind's `maxHoldMs` ends the lease at `atMs` (broker clock) whatever the heartbeats:
   * report it lost then, not a heartbeat interval later, so a command stops using it before
   * the broker may grant it to someone else. Read on the wall clock, assuming it runs close
   * to the broker's (a clock ahead only ends the lease early).
   */
  capAt(atMs: number | undefined): void {
    if (this.stopped) return;
    clearTimeout(this.capTimer);
    // No cap (any more): a policy cleared after the grant.
    if (atMs === undefined) return;
    this.capTimer = setTimeout(
      () => {
        this.lose(
          new BrokerError(
            'LEASE_LOST',
            `${this.options.describe} was lost: it reached its kind's maxHoldMs limit at ${new Date(atMs).toISOString()}.`,
            { transient: false },
          ),
        );
      },
      Math.max(0, atMs - Date.now()),
    );
    this.capTimer.unref();
  }

  private async runBeat(): Promise<void> {
    clearTimeout(this.timer);
    const sentAt = monotonicNow();
    try {
      await this.options.beat(this.stopController.signal);
    } catch (error) {
      if (this.stopped) throw error;
      const brokerError =
        error instanceof BrokerError
          ? error
          : new BrokerError('LEASE_LOST', `${this.options.describe}: heartbeat failed.`, {
              transient: false,
              cause: error,
            });
      if (brokerError.transient) {
        this.schedule(heartbeatRetryDelayMs(this.retries++));
      } else {
        this.lose(
          new BrokerError(
            'LEASE_LOST',
            `${this.options.describe} was lost: heartbeat refused with ${brokerError.code} (${brokerError.message})`,
            { transient: false, httpStatus: brokerError.httpStatus, cause: brokerError },
          ),
        );
      }
      throw brokerError;
    }
    if (this.stopped) return;
    this.retries = 0;
    this.armDeadline(sentAt);
    this.schedule(this.options.intervalMs);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // The loop's own beats report failures through onLost / the retry schedule.
      this.beatNow().catch(() => undefined);
    }, delayMs);
    this.timer.unref();
  }

  private armDeadline(confirmedAt: number): void {
    clearTimeout(this.deadlineTimer);
    const remaining = confirmedAt + this.options.ttlMs - monotonicNow();
    this.deadlineTimer = setTimeout(
      () => {
        this.lose(
          new BrokerError(
            'LEASE_LOST',
            `${this.options.describe} was lost: no heartbeat succeeded within its ${this.options.ttlMs} ms TTL.`,
            { transient: false },
          ),
        );
      },
      Math.max(0, remaining),
    );
    this.deadlineTimer.unref();
  }

  private lose(reason: BrokerError): void {
    if (this.stopped) return;
    this.stop();
    this.options.onLost(reason);
  }
}
