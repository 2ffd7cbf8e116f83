import type { ClosedLoopResult } from '../load/closed-loop.ts';
import type { LatencySummary } from '../measure/latency.ts';
import { fairnessOf, figureOf } from '../measure/stats.ts';
import type { ContentionFigures, CycleFigures, LatencyFigures } from '../report/results.ts';

export function summarizeCycles(concurrency: number, runs: ClosedLoopResult[]): CycleFigures {
  const firstError = runs.find((run) => run.firstError !== undefined)?.firstError;
  return {
    concurrency,
    cyclesPerS: figureOf(runs.map((run) => run.grantedPerS)),
    exhaustedPerS: figureOf(runs.map((run) => run.exhaustedPerS)),
    cycleP50Ms: figureOf(runs.map((run) => run.grantLatency.p50Ms)),
    cycleP99Ms: figureOf(runs.map((run) => run.grantLatency.p99Ms)),
    cycleP999Ms: figureOf(runs.map((run) => run.grantLatency.p999Ms)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

export function summarizeContention(
  concurrency: number,
  credentials: number,
  runs: ClosedLoopResult[],
): ContentionFigures {
  const fairness = runs.map((run) => fairnessOf(run.grantsPerWorker));
  return {
    ...summarizeCycles(concurrency, runs),
    clients: concurrency,
    credentials,
    minGrants: figureOf(fairness.map((f) => f.minGrants)),
    maxGrants: figureOf(fairness.map((f) => f.maxGrants)),
    coefficientOfVariation: figureOf(fairness.map((f) => f.coefficientOfVariation)),
    jainIndex: figureOf(fairness.map((f) => f.jainIndex)),
  };
}

export function summarizeLatencies(runs: LatencySummary[]): LatencyFigures {
  return {
    p50Ms: figureOf(runs.map((run) => run.p50Ms)),
    p99Ms: figureOf(runs.map((run) => run.p99Ms)),
    p999Ms: figureOf(runs.map((run) => run.p999Ms)),
    count: figureOf(runs.map((run) => run.count)),
  };
}
