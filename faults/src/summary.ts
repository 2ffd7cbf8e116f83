import type { ViolationRule } from './check/violation.ts';
import type { CheckResult } from './checker.ts';
import type { FaultName, FaultRecord } from './faults.ts';
import type { History } from './history.ts';

/** What a run did, so a green verdict can be told apart from a run where nothing happened. */
export interface RunSummary {
  operations: number;
  grants: number;
  faults: number;
  faultsByName: Partial<Record<FaultName, number>>;
  outcomes: { ok: number; failed: number; unknown: number };
  /** How the faults showed up to the clients. */
  effects: {
    storeUnavailable503: number;
    /** Slowest 503 answer: a cut-off store must make brokers fail fast, not hang. */
    slowest503Ms: number;
    connectionRefused: number;
    timeouts: number;
    otherNetworkErrors: number;
    staleRejected: number;
  };
  /** The waiting clients (fair wait queue): proof that tickets really queued. */
  waiting: {
    parkedRequests: number;
    parkedGrants: number;
    waitingAnswers: number;
    pollingGrants: number;
    /** Old clients' POOL_EXHAUSTED answers that showed their implicit place. */
    pollingPlaces: number;
    /** Ticket waiting the checker could prove live, i.e. what FIFO and idle rules judged. */
    certainlyWaitingMs: number;
  };
  snapshots: number;
  grantEvents: number;
  violations: number;
  /** Violations per rule (overlap, fencing-order, …), so a report can say 0 of each. */
  violationsByRule: Partial<Record<ViolationRule, number>>;
  /**
   * Acquires answered ok whose grant a later list or the store's events no longer show
   * (a store restart or a failover lost it).
   */
  lostAcknowledgedGrants: number;
}

export function summarize(
  history: History,
  result: CheckResult,
  faults: FaultRecord[],
): RunSummary {
  const outcomes = { ok: 0, failed: 0, unknown: 0 };
  const effects = {
    storeUnavailable503: 0,
    slowest503Ms: 0,
    connectionRefused: 0,
    timeouts: 0,
    otherNetworkErrors: 0,
    staleRejected: 0,
  };
  for (const op of history.ops) {
    outcomes[op.outcome] += 1;
    if (op.httpStatus === 503) {
      effects.storeUnavailable503 += 1;
      effects.slowest503Ms = Math.max(
        effects.slowest503Ms,
        Math.round(op.completedAt - op.invokedAt),
      );
    } else if (op.code === 'ECONNREFUSED') effects.connectionRefused += 1;
    else if (op.code === 'TIMEOUT') effects.timeouts += 1;
    else if (op.httpStatus === undefined && op.outcome === 'unknown')
      effects.otherNetworkErrors += 1;
    if (op.code === 'LEASE_NOT_OWNER' || op.code === 'LEASE_NOT_FOUND') effects.staleRejected += 1;
  }
  const waiting = {
    parkedRequests: 0,
    parkedGrants: 0,
    waitingAnswers: 0,
    pollingGrants: 0,
    pollingPlaces: 0,
    certainlyWaitingMs: result.stats.queue.certainlyWaitingMs,
  };
  for (const op of history.ops) {
    if (op.type !== 'acquire' || op.waitMode === undefined) continue;
    if (op.waitMode === 'parked') {
      waiting.parkedRequests += 1;
      if (op.outcome === 'ok') waiting.parkedGrants += 1;
      if (op.place?.waiting) waiting.waitingAnswers += 1;
    } else {
      if (op.outcome === 'ok') waiting.pollingGrants += 1;
      if (op.place) waiting.pollingPlaces += 1;
    }
  }
  const faultsByName: RunSummary['faultsByName'] = {};
  for (const fault of faults) faultsByName[fault.name] = (faultsByName[fault.name] ?? 0) + 1;
  const violationsByRule: RunSummary['violationsByRule'] = {};
  const lostAcquires = new Set<number>();
  const acquireIds = new Set(
    history.ops.filter((op) => op.type === 'acquire').map((op) => op.opId),
  );
  for (const violation of result.violations) {
    violationsByRule[violation.rule] = (violationsByRule[violation.rule] ?? 0) + 1;
    if (violation.rule === 'acknowledged-grant-lost' || violation.rule === 'grant-event-missing') {
      for (const opId of violation.opIds) {
        if (acquireIds.has(opId)) lostAcquires.add(opId);
      }
    }
  }
  return {
    operations: history.ops.length,
    grants: result.stats.grants,
    faults: faults.length,
    faultsByName,
    outcomes,
    effects,
    waiting,
    snapshots: history.snapshots?.length ?? 0,
    grantEvents: history.grantEvents?.length ?? 0,
    violations: result.violations.length,
    violationsByRule,
    lostAcknowledgedGrants: lostAcquires.size,
  };
}

export function formatSummary(store: string, seed: number, summary: RunSummary): string {
  const faults = Object.entries(summary.faultsByName)
    .map(([name, count]) => `${name}×${count}`)
    .join(', ');
  const e = summary.effects;
  const w = summary.waiting;
  return [
    `${store} (seed ${seed}): ${summary.operations} operations, ${summary.grants} grants, ${summary.faults} faults`,
    `  outcomes: ${summary.outcomes.ok} ok, ${summary.outcomes.failed} failed, ${summary.outcomes.unknown} unknown`,
    `  faults: ${faults}`,
    `  seen by clients: ${e.storeUnavailable503} × 503 (slowest ${e.slowest503Ms} ms), ${e.connectionRefused} refused, ` +
      `${e.timeouts} timeouts, ${e.otherNetworkErrors} other network errors, ${e.staleRejected} stale ops rejected`,
    `  waiting clients: ${w.parkedRequests} parked requests, ${w.waitingAnswers} waiting answers, ${w.parkedGrants} ticket grants; ` +
      `${w.pollingGrants} polling grants, ${w.pollingPlaces} places shown to old clients; ` +
      `${(w.certainlyWaitingMs / 1000).toFixed(1)} s of certainly live waiting judged`,
    `  checked: ${summary.snapshots} list snapshots, ${summary.grantEvents} store grant events`,
    `  overlaps: ${summary.violationsByRule.overlap ?? 0}, fencing-order violations: ${summary.violationsByRule['fencing-order'] ?? 0}, lost acknowledged grants: ${summary.lostAcknowledgedGrants}`,
    `  violations: ${summary.violations}${
      summary.violations > 0
        ? ` (${Object.entries(summary.violationsByRule)
            .map(([rule, count]) => `${rule}×${count}`)
            .join(', ')})`
        : ''
    }`,
  ].join('\n');
}
