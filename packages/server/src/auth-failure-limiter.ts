export interface AuthFailureLimit {
  /** Failed authentications (wrong token) one address may make per window. */
  maxFailures: number;
  windowMs: number;
}

interface Window {
  startedAtMs: number;
  failures: number;
}

/** Addresses tracked at most; the oldest window is dropped past it, so memory stays bounded. */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Counts wrong tokens per client address in fixed windows. Once an address has used up
 * its failures, every request from it is refused until its window ends, valid token or
 * not, so guessing gains nothing. Keyed by the socket's address: behind a proxy that is
 * the proxy, which is why the limit is opt-in.
 */
export class AuthFailureLimiter {
  readonly #limit: AuthFailureLimit;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(limit: AuthFailureLimit, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    if (window && this.#now() - window.startedAtMs >= this.#limit.windowMs) {
      this.#windows.delete(address);
      return undefined;
    }
    return window;
  }

  /** Milliseconds until `address` may try again, or undefined when it may now. */
  blockedForMs(address: string): number | undefined {
    const window = this.#current(address);
    if (!window || window.failures < this.#limit.maxFailures) return undefined;
    return window.startedAtMs + this.#limit.windowMs - this.#now();
  }

  recordFailure(address: string): void {
    const window = this.#current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.#windows.size >= MAX_TRACKED_ADDRESSES) {
      const oldest = this.#windows.keys().next();
      if (!oldest.done) this.#windows.delete(oldest.value);
    }
    this.#windows.set(address, { startedAtMs: this.#now(), failures: 1 });
  }
}
