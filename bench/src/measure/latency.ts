import { build } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Latency percentiles in milliseconds (recorded at microsecond resolution). */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/**
 * An HDR histogram of latencies. Values are recorded in microseconds with 3 significant
 * digits, so percentiles keep their precision from tens of microseconds up to a minute.
 */
export class LatencyRecorder {
  readonly #histogram: Histogram = build({
    useWebAssembly: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });

  /** Records the time between two `performance.now()` readings. */
  recordSince(startMs: number, endMs: number): void {
    const micros = Math.max(1, Math.round((endMs - startMs) * 1000));
    this.#histogram.recordValue(Math.min(micros, 60_000_000));
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    const ms = (micros: number): number => Math.round(micros) / 1000;
    if (h.totalCount === 0) return { count: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
    return {
      count: h.totalCount,
      p50Ms: ms(h.getValueAtPercentile(50)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      p999Ms: ms(h.getValueAtPercentile(99.9)),
      maxMs: ms(h.maxValue),
      meanMs: ms(h.mean),
    };
  }
}
