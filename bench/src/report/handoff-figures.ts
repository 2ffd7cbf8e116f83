import type { HandoffStats } from '../measure/handoff.ts';
import { percentile } from '../measure/handoff.ts';
import type { Figure } from '../measure/stats.ts';
import { figureOf } from '../measure/stats.ts';
import type { HandoffMode, HandoffRun } from '../scenarios/handoff-clients.ts';

/** One mode of the hand-off scenario over every run (medians with their range). */
export interface HandoffModeFigures {
  mode: HandoffMode;
  handoffP50Ms: Figure;
  handoffP99Ms: Figure;
  handoffMaxMs: Figure;
  handoffs: Figure;
  idleFraction: Figure;
  makespanMs: Figure;
  idealMakespanMs: number;
  makespanOverIdeal: Figure;
  /** In the first 80 % of the run. */
  maxDeviationFromMean: Figure;
  jainIndex: Figure;
  minGrants: Figure;
  maxGrants: Figure;
  /** Mean time held beyond the drawn hold: the hold timer firing late, the release's round trip. */
  holdTimerLateMs: Figure;
  releaseRoundTripMs: Figure;
  /** Summed over runs. */
  ticketedGrants: number;
  waitingAnswers: number;
  exhaustedAnswers: number;
}

export interface HandoffResults {
  clients: number;
  credentials: number;
  holdsPerClient: number;
  holdMs: { min: number; max: number };
  seed: number;
  maxWaitMs: number;
  modes: HandoffModeFigures[];
  /** Set when the queue mode got no ticketed grant: the store answered `wait` as v1. */
  note?: string;
  error?: string;
}

export function summarizeHandoffMode(
  mode: HandoffMode,
  runs: { run: HandoffRun; stats: HandoffStats }[],
): HandoffModeFigures {
  const of = (pick: (stats: HandoffStats) => number): Figure =>
    figureOf(runs.map(({ stats }) => pick(stats)));
  return {
    mode,
    handoffP50Ms: of((s) => percentile(s.handoffsMs, 50)),
    handoffP99Ms: of((s) => percentile(s.handoffsMs, 99)),
    handoffMaxMs: of((s) => percentile(s.handoffsMs, 100)),
    handoffs: of((s) => s.count),
    idleFraction: of((s) => s.idleFraction),
    makespanMs: of((s) => s.makespanMs),
    idealMakespanMs: runs[0]?.stats.idealMakespanMs ?? Number.NaN,
    makespanOverIdeal: of((s) => s.makespanOverIdeal),
    maxDeviationFromMean: of((s) => s.maxDeviationFromMean),
    jainIndex: of((s) => s.jainIndex),
    minGrants: of((s) => Math.min(...s.grantsPerClient)),
    maxGrants: of((s) => Math.max(...s.grantsPerClient)),
    holdTimerLateMs: of((s) => s.holdOverheadMs.timerLateMs),
    releaseRoundTripMs: of((s) => s.holdOverheadMs.releaseMs),
    ticketedGrants: runs.reduce((sum, { run }) => sum + run.ticketedGrants, 0),
    waitingAnswers: runs.reduce((sum, { run }) => sum + run.waitingAnswers, 0),
    exhaustedAnswers: runs.reduce((sum, { run }) => sum + run.exhaustedAnswers, 0),
  };
}
