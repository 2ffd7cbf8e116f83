import { randomBytes } from 'node:crypto';
import { brokerChildEnv } from '../child/broker-child-config.ts';
import { spawnChild } from '../child/spawn-child.ts';
import type { BenchOptions } from '../cli/options.ts';
import { makePool } from '../http/make-pool.ts';
import { drawHolds, handoffStats } from '../measure/handoff.ts';
import type { HandoffStats } from '../measure/handoff.ts';
import { progress } from '../progress.ts';
import { summarizeHandoffMode } from '../report/handoff-figures.ts';
import type { HandoffResults } from '../report/handoff-figures.ts';
import { cleanupTarget } from '../stores/cleanup.ts';
import { openForPopulate } from '../stores/open-for-populate.ts';
import { populatePool } from '../stores/populate.ts';
import { describeTarget, freshTarget } from '../stores/targets.ts';
import type { StoreKind } from '../stores/targets.ts';
import { HANDOFF_MAX_WAIT_MS, runHandoffMode } from './handoff-clients.ts';
import type { HandoffMode, HandoffRun } from './handoff-clients.ts';

/** The scenario: 64 clients, 10 credentials, 30 holds each of 50–200 ms, fixed seed. */
export const HANDOFF_PLAN = {
  full: { clients: 64, holdsPerClient: 30 },
  quick: { clients: 16, holdsPerClient: 10 },
  credentials: 10,
  holdMs: { min: 50, max: 200 },
  seed: 20_261_201,
} as const;

/**
 * Hand-off on one store: a fresh pool of 10 credentials behind a broker child, the same
 * seeded holds worked through with the queue and with v1 polling, modes alternating run
 * by run so neither always goes first.
 */
export async function benchHandoff(
  kind: StoreKind,
  options: BenchOptions,
): Promise<HandoffResults> {
  const size = options.quick ? HANDOFF_PLAN.quick : HANDOFF_PLAN.full;
  const { credentials, holdMs, seed } = HANDOFF_PLAN;
  const holds = drawHolds(seed, size.clients, size.holdsPerClient, holdMs.min, holdMs.max);
  const results: HandoffResults = {
    ...size,
    credentials,
    holdMs,
    seed,
    maxWaitMs: HANDOFF_MAX_WAIT_MS,
    modes: [],
  };
  const target = freshTarget(kind, options);
  progress(
    `${kind} hand-off: ${size.clients} clients × ${size.holdsPerClient} holds on ${credentials} credentials (${describeTarget(target)})`,
  );
  try {
    const handle = await openForPopulate(target);
    try {
      await populatePool(handle.store, credentials, credentials);
    } finally {
      await handle.close();
    }
    const secrets = {
      maintainer: randomBytes(16).toString('hex'),
      ci: randomBytes(16).toString('hex'),
    };
    const child = await spawnChild(
      new URL('../child/broker-entry.ts', import.meta.url),
      brokerChildEnv({ target, secrets, logPath: options.brokerLogPath }),
      `broker ${kind} hand-off`,
      options.brokerNodeFlags,
    );
    const pool = makePool(child.port, size.clients + 2);
    const byMode = new Map<HandoffMode, { run: HandoffRun; stats: HandoffStats }[]>([
      ['queue', []],
      ['v1', []],
    ]);
    try {
      for (let run = 0; run < options.runs; run += 1) {
        const order: HandoffMode[] = run % 2 === 0 ? ['queue', 'v1'] : ['v1', 'queue'];
        for (const mode of order) {
          const ideal = holds.flat().reduce((a, b) => a + b, 0) / credentials;
          const measured = await runHandoffMode({
            pool,
            ciSecret: secrets.ci,
            mode,
            holds,
            // v1 polls every 2 s: far slower than ideal, but never unbounded.
            deadlineMs: 20 * ideal + 60_000,
          });
          const stats = handoffStats({
            leases: measured.leases,
            clients: size.clients,
            credentials,
            holds,
            startedAt: measured.startedAt,
          });
          byMode.get(mode)!.push({ run: measured, stats });
          progress(
            `${kind} hand-off ${mode}: makespan ${(stats.makespanMs / 1000).toFixed(2)} s (${stats.makespanOverIdeal.toFixed(3)}× ideal), ` +
              `idle ${(100 * stats.idleFraction).toFixed(1)} %, ${stats.count} hand-offs, ` +
              `grants/client deviation ${(100 * stats.maxDeviationFromMean).toFixed(1)} %`,
          );
        }
      }
    } finally {
      await pool.close();
      await child.stop();
    }
    results.modes = (['queue', 'v1'] as const).map((mode) =>
      summarizeHandoffMode(mode, byMode.get(mode)!),
    );
    if (results.modes[0]!.ticketedGrants === 0)
      results.note =
        'the store answered acquire with wait as v1 (no ticket): its queue is not implemented, so the queue mode polled';
  } catch (error) {
    results.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    progress(`${kind} hand-off: FAILED — ${results.error}`);
  } finally {
    await cleanupTarget(target).catch((error: unknown) => {
      progress(
        `${kind} hand-off: cleanup failed: ${error instanceof Error ? error.message : 'unknown'}`,
      );
    });
  }
  return results;
}
