import type { ClosedLoopResult } from '../load/closed-loop.ts';
import type { LatencySummary } from '../measure/latency.ts';
import { fairnessOf, figureOf } from '../measure/stats.ts';
import type { ContentionFigures, CycleFigures, LatencyFigures } from '../report/results.ts';

export function summarizeCycles(concurrency: number, runs: ClosedLoopResult[]): CycleFigures {
  const firstError = runs.find((run) => run.firstError !== undefined)?.firstError;
  const cpuMsPerCycle = cpuPerCycle(runs);
  return {
    concurrency,
    cyclesPerS: figureOf(runs.map((run) => run.grantedPerS)),
    exhaustedPerS: figureOf(runs.map((run) => run.exhaustedPerS)),
    cycleP50Ms: figureOf(runs.map((run) => run.grantLatency.p50Ms)),
    cycleP99Ms: figureOf(runs.map((run) => run.grantLatency.p99Ms)),
    cycleP999Ms: figureOf(runs.map((run) => run.grantLatency.p999Ms)),
    ...(cpuMsPerCycle === undefined ? {} : { cpuMsPerCycle }),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** Per source, the median over runs of its CPU ms per cycle; only sources every run measured. */
function cpuPerCycle(runs: ClosedLoopResult[]): CycleFigures['cpuMsPerCycle'] {
  const measured = runs.filter((run) => run.cpuMs !== undefined && run.granted > 0);
  if (measured.length === 0 || measured.length < runs.length) return undefined;
  const figures: NonNullable<CycleFigures['cpuMsPerCycle']> = {};
  for (const source of ['bench', 'broker', 'server'] as const) {
    const perCycle = measured.map((run) => {
      const ms = run.cpuMs?.[source];
      return ms === undefined ? undefined : ms / run.granted;
    });
    if (perCycle.every((value) => value !== undefined)) figures[source] = figureOf(perCycle);
  }
  return figures;
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
