import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay in ms: how late this process ran its callbacks (stalls, GC, CPU starvation). */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const RESOLUTION_MS = 10;

/** Samples this process's event-loop delay every 10 ms; `take` reports and starts afresh. */
export class LoopDelayMonitor {
  readonly #histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  constructor() {
    this.#histogram.enable();
  }

  take(): LoopDelay {
    const h = this.#histogram;
    // Node records the sampling interval itself too (an idle loop reads 10 ms): remove it.
    const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);
    const delay = { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    h.reset();
    return delay;
  }

  stop(): void {
    this.#histogram.disable();
  }
}
