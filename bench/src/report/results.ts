import type { CpuSource } from '../measure/cpu-meter.ts';
import type { ChildMemory } from '../child/spawn-child.ts';
import type { Figure } from '../measure/stats.ts';
import type { LoopDelay } from '../measure/loop-delay.ts';
import type { HandoffResults } from './handoff-figures.ts';
import type { PopulateResult } from '../stores/populate.ts';
import type { RedisMemory } from '../stores/redis-memory.ts';
import type { StoreKind } from '../stores/targets.ts';

/** Closed-loop figures of one cell (one target, one concurrency), over all runs. */
export interface CycleFigures {
  concurrency: number;
  /** Completed acquire→release cycles per second. */
  cyclesPerS: Figure;
  /** POOL_EXHAUSTED answers per second. */
  exhaustedPerS: Figure;
  /** Latency of one whole cycle (acquire + release), ms. */
  cycleP50Ms: Figure;
  cycleP99Ms: Figure;
  cycleP999Ms: Figure;
  /**
   * CPU time (ms) per completed cycle of each process serving it (measure/cpu-meter.ts):
   * the load generator (`bench`), the HTTP child (`broker`), the store's server.
   */
  cpuMsPerCycle?: Partial<Record<CpuSource, Figure>>;
  errors: number;
  firstError?: string;
}

export interface ContentionFigures extends CycleFigures {
  clients: number;
  credentials: number;
  minGrants: Figure;
  maxGrants: Figure;
  coefficientOfVariation: Figure;
  jainIndex: Figure;
}

export interface LatencyFigures {
  p50Ms: Figure;
  p99Ms: Figure;
  p999Ms: Figure;
  count: Figure;
}

export interface HeartbeatFigures {
  heldLeases: number;
  /** Half of the broker's measured maximum at the highest concurrency. */
  cycleRatePerS: number;
  heartbeatRatePerS: number;
  acquire: LatencyFigures;
  heartbeat: LatencyFigures;
  exhausted: number;
  failed: number;
  notSent: number;
  unanswered: number;
  firstError?: string;
  /** Event-loop delay per run, in the broker child and in the load generator (this process). */
  brokerLoopDelay: (LoopDelay | null)[];
  generatorLoopDelay: LoopDelay[];
}

export interface PoolResults {
  pool: number;
  target: string;
  populate: PopulateResult;
  redisMemory?: RedisMemory;
  /** Adapter called in-process, no HTTP, by concurrency. */
  raw: CycleFigures[];
  /** The broker child over HTTP, by concurrency. */
  broker: CycleFigures[];
  /** The first broker's read-all-and-sort selection, on the raw store. */
  firstBroker?: CycleFigures;
  contention?: ContentionFigures;
  heartbeat?: HeartbeatFigures;
  /** PostgreSQL work per cycle (pg_stat_wal, pg_stat_statements), highest concurrency. */
  pgCycleStats?: PgCycleStats;
  /** The broker child's memory after every load on this pool ran. */
  brokerMemory?: ChildMemory;
  /** The same, right after it started listening (before any load). */
  brokerIdleMemory?: ChildMemory;
}

export interface StoreResults {
  store: StoreKind;
  /** The HTTP floor plus one store round trip per request, by concurrency (not PGlite). */
  storeFloor?: CycleFigures[];
  pools: PoolResults[];
  /** The hand-off scenario (queue vs v1 polling), when selected. */
  handoff?: HandoffResults;
  /** Set when the store could not be benched at all (e.g. service down). */
  error?: string;
}

export interface PgCycleStats {
  pool: number;
  concurrency: number;
  /** Acquire → release cycles the counters cover (warm-up included). */
  cycles: number;
  walRecords: number;
  walFullPageImages: number;
  walBytes: number;
  walWrites: number;
  walSyncs: number;
  /** Null when pg_stat_statements is not loaded on the server. */
  statements: PgStatementStats[] | null;
  /** WAL counters are the whole cluster's: on a shared server others' writes count too. */
  sharedServer: boolean;
}

export interface PgStatementStats {
  /** acquire, release, … (from the statement text). */
  label: string;
  callsPerCycle: number;
  planMsPerCycle: number;
  execMsPerCycle: number;
  walRecordsPerCycle: number;
  walBytesPerCycle: number;
  blocksDirtiedPerCycle: number;
}

export interface RatioRow {
  store: StoreKind | 'all';
  name: string;
  pool: number | null;
  concurrency: number | null;
  value: number | null;
}

export type Verdict = 'met' | 'not met' | 'not measured';

export interface TargetRow {
  store: StoreKind;
  name: string;
  /** The measured value, in `unit`. */
  value: number | null;
  unit: string;
  comparison: '>=' | '<=';
  threshold: number;
  /** Absent in --quick: too short to judge. */
  verdict?: Verdict;
}

export interface BenchResults {
  meta: Record<string, unknown>;
  httpFloor: CycleFigures[];
  stores: StoreResults[];
  ratios: RatioRow[];
  targets: TargetRow[];
}
