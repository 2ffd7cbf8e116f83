import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LatencyRecorder } from '../measure/latency.ts';
import type { LatencySummary } from '../measure/latency.ts';
import { cpuSpent } from '../measure/cpu-meter.ts';
import type { CpuMeter, CpuReading } from '../measure/cpu-meter.ts';
import { describeError } from './describe-error.ts';

/** What one step of a worker achieved: a full acquire→release cycle, or an exhausted pool. */
export type StepOutcome = 'granted' | 'exhausted';

export interface ClosedLoopOptions {
  concurrency: number;
  /** Steps finishing before this are not counted (connections, JIT and caches warm up). */
  warmupMs: number;
  durationMs: number;
  /** One attempt: throws on anything that is neither a grant nor an exhausted pool. */
  step: (worker: number) => Promise<StepOutcome>;
  /** Stop early once this many steps failed: a broken target must not be hammered. */
  maxErrors?: number;
  /** Read at both edges of the measured window: the CPU each process spent in it. */
  cpuMeter?: CpuMeter;
}

export interface ClosedLoopResult {
  measuredMs: number;
  granted: number;
  exhausted: number;
  errors: number;
  firstError?: string;
  grantedPerS: number;
  exhaustedPerS: number;
  /** Grants counted per worker, for fairness. */
  grantsPerWorker: number[];
  /** Duration of granted steps (acquire + release). */
  grantLatency: LatencySummary;
  /** CPU ms each process spent in the measured window (with `cpuMeter`). */
  cpuMs?: CpuReading;
}

/** A hard cap so no loop can run unbounded even if the clock misbehaves. */
const MAX_STEPS_PER_WORKER = 5_000_000;

/**
 * Capacity measurement: `concurrency` workers each run `step` back to back (a closed loop:
 * a worker sends its next request only when the previous one answered). Steps are counted
 * by completion time inside the measured window, so the rate is unbiased at both edges.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const maxErrors = options.maxErrors ?? 100;
  const latency = new LatencyRecorder();
  const grantsPerWorker = new Array<number>(options.concurrency).fill(0);
  const startMs = performance.now();
  const measureFromMs = startMs + options.warmupMs;
  const endMs = measureFromMs + options.durationMs;
  let granted = 0;
  let exhausted = 0;
  let errors = 0;
  let totalErrors = 0;
  let firstError: string | undefined;
  let stopped = false;

  const worker = async (index: number): Promise<void> => {
    for (let n = 0; n < MAX_STEPS_PER_WORKER && !stopped; n += 1) {
      const before = performance.now();
      if (before >= endMs) return;
      let outcome: StepOutcome;
      try {
        outcome = await options.step(index);
      } catch (error) {
        totalErrors += 1;
        firstError ??= describeError(error);
        if (performance.now() >= measureFromMs) errors += 1;
        if (totalErrors >= maxErrors) stopped = true;
        // A failing target answers instantly; yield so the other workers and timers run.
        await yieldToEventLoop();
        continue;
      }
      const after = performance.now();
      if (after < measureFromMs || after > endMs) continue;
      if (outcome === 'granted') {
        granted += 1;
        grantsPerWorker[index] = (grantsPerWorker[index] ?? 0) + 1;
        latency.recordSince(before, after);
      } else {
        exhausted += 1;
      }
    }
  };

  const cpu = meterWindow(options.cpuMeter, measureFromMs, endMs);
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  const cpuMs = cpu?.spent();
  const measuredMs = Math.max(1, Math.min(performance.now(), endMs) - measureFromMs);
  return {
    measuredMs,
    granted,
    exhausted,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    grantedPerS: (granted * 1000) / measuredMs,
    exhaustedPerS: (exhausted * 1000) / measuredMs,
    grantsPerWorker,
    grantLatency: latency.summary(),
    ...(cpuMs === undefined ? {} : { cpuMs }),
  };
}

/**
 * Reads the meter when the window opens and when it closes (timers, so the readings
 * bracket the window whatever the workers are doing); `spent()` after the loop: the
 * difference, or undefined when the loop ended before the window closed.
 */
function meterWindow(meter: CpuMeter | undefined, fromMs: number, toMs: number) {
  if (meter === undefined) return undefined;
  let start: CpuReading | undefined;
  let end: CpuReading | undefined;
  const opening = setTimeout(() => (start = meter.read()), fromMs - performance.now());
  const closing = setTimeout(() => (end = meter.read()), toMs - performance.now());
  return {
    spent: (): CpuReading | undefined => {
      clearTimeout(opening);
      clearTimeout(closing);
      return start === undefined || end === undefined ? undefined : cpuSpent(start, end);
    },
  };
}
