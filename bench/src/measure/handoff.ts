/*
 * The hand-off scenario's figures, computed from what the load generator recorded: every
 * lease with its client, credential and the generator's clock readings. Pure functions, so
 * bench/test can check them on hand-made records.
 */

/** One lease as the generator saw it; times are `performance.now()` of the generator. */
export interface LeaseRecord {
  client: number;
  credentialId: string;
  /** The client sent its first acquire for this hold (it wanted a credential from here on). */
  wantedAt: number;
  /** The granting acquire's answer arrived. */
  grantedAt: number;
  /** The hold drawn for it, ms. */
  holdMs: number;
  /** The release was sent (after the hold's timer fired). */
  releaseSentAt: number;
  /** The release's answer arrived. */
  releasedAt: number;
}

export interface HandoffStats {
  /** Hand-offs measured: a release followed by the next grant of that credential while someone waited. */
  count: number;
  /** Release answer → next grant answer of the same credential, ms (one value per hand-off). */
  handoffsMs: number[];
  /** Credential-time not held ÷ credential-time of the run (credentials × makespan). */
  idleFraction: number;
  makespanMs: number;
  /** Σ holds ÷ credentials: the makespan of a broker that never leaves a credential idle. */
  idealMakespanMs: number;
  makespanOverIdeal: number;
  /** Grants per client answered within the first 80 % of the makespan (tail excluded). */
  grantsPerClient: number[];
  /** max |grants − mean| ÷ mean over the clients, in the first 80 %. */
  maxDeviationFromMean: number;
  /** (Σx)² ÷ (n·Σx²) over the same counts; 1 = even. */
  jainIndex: number;
  /**
   * Mean time a lease was held beyond its drawn hold: the hold timer firing late (a busy
   * generator) plus the release's round trip. The ideal makespan has none of it.
   */
  holdOverheadMs: { timerLateMs: number; releaseMs: number };
}

/** The share of the run over which grants per client are compared (the tail thins out). */
export const FAIR_SHARE_WINDOW = 0.8;

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same holds in both modes and in
 * every run, so the two modes serve the very same work.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** holds[client][i]: whole milliseconds drawn uniformly from [minMs, maxMs]. */
export function drawHolds(
  seed: number,
  clients: number,
  holdsPerClient: number,
  minMs: number,
  maxMs: number,
): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: clients }, () =>
    Array.from(
      { length: holdsPerClient },
      () => minMs + Math.floor(random() * (maxMs - minMs + 1)),
    ),
  );
}

export function idealMakespanMs(holds: number[][], credentials: number): number {
  return holds.flat().reduce((sum, hold) => sum + hold, 0) / credentials;
}

/**
 * Hand-offs: per credential, leases in grant order; each release answer → the next grant
 * answer of that credential is one hand-off, counted only when a client was waiting at the
 * release (its next holder, or one that wanted a credential before it and got one after
 * it) — otherwise the gap is nobody's wait. A grant that answered before the release did counts as 0: the hand-off
 * happened inside the store step, the releaser's answer was just slower.
 */
export function handoffsMs(leases: LeaseRecord[]): number[] {
  const wanted = leases.map((lease) => [lease.wantedAt, lease.grantedAt] as const);
  const someoneWaited = (at: number): boolean =>
    wanted.some(([from, until]) => from < at && until > at);
  const result: number[] = [];
  for (const held of byCredential(leases).values()) {
    for (let i = 1; i < held.length; i += 1) {
      const previous = held[i - 1]!;
      const next = held[i]!;
      if (next.wantedAt >= previous.releasedAt && !someoneWaited(previous.releasedAt)) continue;
      result.push(Math.max(0, next.grantedAt - previous.releasedAt));
    }
  }
  return result;
}

function byCredential(leases: LeaseRecord[]): Map<string, LeaseRecord[]> {
  const map = new Map<string, LeaseRecord[]>();
  for (const lease of leases) {
    const list = map.get(lease.credentialId) ?? [];
    list.push(lease);
    map.set(lease.credentialId, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.grantedAt - b.grantedAt);
  return map;
}

/**
 * Credential-time not held over [startedAt, endedAt]: a lease holds its credential from its
 * grant answer to its release answer (overlaps, which the generator's clock can show for a
 * hand-off inside one store step, are merged, not counted twice).
 */
export function idleFraction(
  leases: LeaseRecord[],
  credentials: number,
  startedAt: number,
  endedAt: number,
): number {
  const total = credentials * (endedAt - startedAt);
  if (total <= 0) return 0;
  let held = 0;
  for (const list of byCredential(leases).values()) {
    let coveredUntil = startedAt;
    for (const lease of list) {
      const from = Math.max(lease.grantedAt, coveredUntil);
      const until = Math.min(lease.releasedAt, endedAt);
      if (until > from) held += until - from;
      coveredUntil = Math.max(coveredUntil, until);
    }
  }
  return Math.max(0, 1 - held / total);
}

/** Grants answered within the first `FAIR_SHARE_WINDOW` of the run, per client. */
export function grantsInWindow(
  leases: LeaseRecord[],
  clients: number,
  startedAt: number,
  endedAt: number,
): number[] {
  const cutoff = startedAt + FAIR_SHARE_WINDOW * (endedAt - startedAt);
  const counts = new Array<number>(clients).fill(0);
  for (const lease of leases) if (lease.grantedAt <= cutoff) counts[lease.client]! += 1;
  return counts;
}

export function maxDeviationFromMean(counts: number[]): number {
  if (counts.length === 0) return 0;
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  if (mean === 0) return 0;
  return Math.max(...counts.map((count) => Math.abs(count - mean))) / mean;
}

export function jainIndex(counts: number[]): number {
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 0 : (sum * sum) / (counts.length * squares);
}

/** Every figure of one run of one mode. `startedAt` is when the first acquire was sent. */
export function handoffStats(options: {
  leases: LeaseRecord[];
  clients: number;
  credentials: number;
  holds: number[][];
  startedAt: number;
}): HandoffStats {
  const { leases, clients, credentials, holds, startedAt } = options;
  const endedAt = leases.reduce((last, lease) => Math.max(last, lease.releasedAt), startedAt);
  const makespanMs = endedAt - startedAt;
  const ideal = idealMakespanMs(holds, credentials);
  const grantsPerClient = grantsInWindow(leases, clients, startedAt, endedAt);
  const handoffs = handoffsMs(leases);
  return {
    count: handoffs.length,
    handoffsMs: handoffs,
    idleFraction: idleFraction(leases, credentials, startedAt, endedAt),
    makespanMs,
    idealMakespanMs: ideal,
    makespanOverIdeal: ideal === 0 ? 0 : makespanMs / ideal,
    grantsPerClient,
    maxDeviationFromMean: maxDeviationFromMean(grantsPerClient),
    jainIndex: jainIndex(grantsPerClient),
    holdOverheadMs: {
      timerLateMs: mean(leases.map((l) => l.releaseSentAt - l.grantedAt - l.holdMs)),
      releaseMs: mean(leases.map((l) => l.releasedAt - l.releaseSentAt)),
    },
  };
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The p-th percentile (0–100) by nearest rank; 0 for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
