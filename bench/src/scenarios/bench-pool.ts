import { randomBytes } from 'node:crypto';
import { brokerChildEnv } from '../child/broker-child-config.ts';
import { spawnChild } from '../child/spawn-child.ts';
import type { ChildHandle } from '../child/spawn-child.ts';
import type { BenchOptions } from '../cli/options.ts';
import { BrokerHttp } from '../http/broker-http.ts';
import { makePool } from '../http/make-pool.ts';
import { runClosedLoop } from '../load/closed-loop.ts';
import { cpuMeter, serverProcessOf } from '../measure/cpu-meter.ts';
import type { CpuMeter } from '../measure/cpu-meter.ts';
import { LoopDelayMonitor } from '../measure/loop-delay.ts';
import type { LoopDelay } from '../measure/loop-delay.ts';
import { progress } from '../progress.ts';
import type {
  CycleFigures,
  HeartbeatFigures,
  PgCycleStats,
  PoolResults,
} from '../report/results.ts';
import { cleanupTarget } from '../stores/cleanup.ts';
import { openStore } from '../stores/open-store.ts';
import { perCycle, readPgCounters } from '../stores/pg-stats.ts';
import { openForPopulate } from '../stores/open-for-populate.ts';
import { populate as populateTarget } from '../stores/populate.ts';
import { measureRedisMemory } from '../stores/redis-memory.ts';
import { describeTarget, freshTarget, isClusterTarget } from '../stores/targets.ts';
import type { StoreKind, StoreTarget } from '../stores/targets.ts';
import { FIRST_BROKER_CONCURRENCY, firstBrokerCycle } from './first-broker.ts';
import { holdLeases, releaseLeases, runHeartbeatLoad } from './heartbeat.ts';
import { repeat } from './repeat.ts';
import { brokerCycle, rawStoreCycle } from './steps.ts';
import { summarizeContention, summarizeCycles, summarizeLatencies } from './summarize.ts';

export interface PoolPlan {
  pool: number;
  cycles: boolean;
  /** Only on the pool of 10, with the highest concurrency. */
  contention: boolean;
  heartbeat: boolean;
  /** The first broker's selection, at pools of 1,000 and more. */
  firstBroker: boolean;
}

const HELD_LEASES = 1_000;

/**
 * Everything measured on one pool of one store: populate a fresh schema/prefix/dataDir,
 * raw-store and first-broker baselines in-process, then the broker child over HTTP, then
 * clean up. Raw work happens before the child starts: embedded PGlite can only be open
 * in one process at a time.
 */
export async function benchPool(
  kind: StoreKind,
  plan: PoolPlan,
  options: BenchOptions,
): Promise<PoolResults> {
  const target = freshTarget(kind, options);
  progress(`${kind} pool ${plan.pool}: ${describeTarget(target)}`);
  try {
    return await benchPoolOnTarget(kind, target, plan, options);
  } finally {
    await cleanupTarget(target).catch((error: unknown) => {
      progress(`${kind}: cleanup failed: ${error instanceof Error ? error.message : 'unknown'}`);
    });
  }
}

async function benchPoolOnTarget(
  kind: StoreKind,
  target: StoreTarget,
  plan: PoolPlan,
  options: BenchOptions,
): Promise<PoolResults> {
  const handle = await openForPopulate(target);
  const store = handle.store;
  let populate;
  const raw: CycleFigures[] = [];
  let firstBroker: CycleFigures | undefined;
  let redisMemory;
  try {
    progress(`${kind} pool ${plan.pool}: populating`);
    populate = await populateTarget(handle, plan.pool);
    progress(
      `${kind} pool ${plan.pool}: populated (${populate.method}) in ${(populate.elapsedMs / 1000).toFixed(1)} s (${Math.round(populate.perS)}/s)`,
    );
    if (target.kind === 'redis' && !isClusterTarget(target)) {
      redisMemory = await measureRedisMemory(
        target.url,
        target.prefix,
        plan.pool,
        populate.payloadBytes,
      );
      progress(
        `${kind} pool ${plan.pool}: ${Math.round(redisMemory.bytesPerCredential)} bytes/credential beyond payload`,
      );
    }
    if (plan.cycles) {
      for (const concurrency of options.concurrency)
        raw.push(
          await measureCycles(
            `${kind} raw pool ${plan.pool} c=${concurrency}`,
            concurrency,
            rawStoreCycle(store),
            options,
            cpuMeter({ server: serverProcessOf(kind) }),
          ),
        );
    }
    if (plan.firstBroker)
      firstBroker = await measureCycles(
        `${kind} first-broker pool ${plan.pool} c=${FIRST_BROKER_CONCURRENCY}`,
        FIRST_BROKER_CONCURRENCY,
        firstBrokerCycle(store),
        // One step reads the whole pool (seconds at 100,000): a longer window gets several.
        { ...options, durationMs: Math.max(options.durationMs, plan.pool >= 100_000 ? 10_000 : 0) },
      );
  } finally {
    await handle.close();
  }
  const pgCycleStats =
    target.kind === 'postgres' && plan.cycles
      ? await measurePgCycleStats(target, plan.pool, options)
      : undefined;

  const secrets = {
    maintainer: randomBytes(16).toString('hex'),
    ci: randomBytes(16).toString('hex'),
  };
  const child = await spawnChild(
    new URL('../child/broker-entry.ts', import.meta.url),
    brokerChildEnv({ target, secrets, logPath: options.brokerLogPath }),
    `broker ${kind}`,
    [
      ...options.brokerNodeFlags,
      ...(options.brokerCpuProfDir === undefined
        ? []
        : [
            '--cpu-prof',
            '--cpu-prof-dir',
            options.brokerCpuProfDir,
            '--cpu-prof-name',
            `broker-${kind}-${plan.pool}.cpuprofile`,
          ]),
    ],
  );
  try {
    // Resident memory before any load: what the process costs just to be up.
    const idleMemory = await child.memory();
    const results = await benchBroker(kind, child, secrets.ci, plan, options);
    const brokerMemory = await child.memory();
    return {
      pool: plan.pool,
      target: describeTarget(target),
      populate,
      ...(redisMemory === undefined ? {} : { redisMemory }),
      raw,
      ...results,
      ...(firstBroker === undefined ? {} : { firstBroker }),
      ...(pgCycleStats === undefined ? {} : { pgCycleStats }),
      ...(brokerMemory === null ? {} : { brokerMemory }),
      ...(idleMemory === null ? {} : { brokerIdleMemory: idleMemory }),
    };
  } finally {
    await child.stop();
  }
}

async function benchBroker(
  kind: StoreKind,
  child: ChildHandle,
  ciSecret: string,
  plan: PoolPlan,
  options: BenchOptions,
): Promise<Pick<PoolResults, 'broker' | 'contention' | 'heartbeat'>> {
  const maxConcurrency = Math.max(...options.concurrency);
  const pool = makePool(child.port, maxConcurrency);
  const broker = new BrokerHttp(pool, ciSecret);
  try {
    const results: Pick<PoolResults, 'broker' | 'contention' | 'heartbeat'> = { broker: [] };
    if (plan.cycles)
      for (const concurrency of options.concurrency)
        results.broker.push(
          await measureCycles(
            `${kind} broker pool ${plan.pool} c=${concurrency}`,
            concurrency,
            brokerCycle(broker),
            options,
            cpuMeter({ brokerPid: child.pid, server: serverProcessOf(kind) }),
          ),
        );
    if (plan.contention) {
      progress(`${kind} contention: ${maxConcurrency} clients on ${plan.pool} credentials`);
      const runs = await repeat(options.runs, () =>
        runClosedLoop({
          concurrency: maxConcurrency,
          warmupMs: options.warmupMs,
          durationMs: options.durationMs,
          step: brokerCycle(broker),
        }),
      );
      results.contention = summarizeContention(maxConcurrency, plan.pool, runs);
    }
    if (plan.heartbeat) {
      const measuredMax = results.broker.find((cell) => cell.concurrency === maxConcurrency)
        ?.cyclesPerS.median;
      const maxCyclesPerS =
        measuredMax ??
        (await measureCycles(`${kind} broker max`, maxConcurrency, brokerCycle(broker), options))
          .cyclesPerS.median;
      results.heartbeat = await measureHeartbeat(
        kind,
        child,
        ciSecret,
        broker,
        plan.pool,
        maxCyclesPerS,
        options,
      );
    }
    return results;
  } finally {
    await pool.close();
  }
}

/**
 * What one acquire → release costs PostgreSQL: the adapter's own statements at the
 * highest concurrency, in-process (the same statements the broker sends), between two
 * readings of pg_stat_wal and pg_stat_statements. The store is closed before the second
 * reading: a backend flushes its WAL counters when it exits.
 */
async function measurePgCycleStats(
  target: Extract<StoreTarget, { kind: 'postgres' }>,
  pool: number,
  options: BenchOptions,
): Promise<PgCycleStats> {
  const concurrency = Math.max(...options.concurrency);
  const before = await readPgCounters(target.url, target.schema);
  const store = await openStore(target);
  let cycles = 0;
  const step = rawStoreCycle(store);
  try {
    await runClosedLoop({
      concurrency,
      warmupMs: 0,
      durationMs: options.durationMs,
      step: async (worker) => {
        const outcome = await step(worker);
        cycles += 1;
        return outcome;
      },
    });
  } finally {
    await store.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await readPgCounters(target.url, target.schema);
  const stats = perCycle(before, after, cycles, {
    pool,
    concurrency,
    sharedServer: !options.postgresPrivate,
  });
  progress(
    `postgres pool ${pool} c=${concurrency}: per cycle ${stats.walRecords.toFixed(1)} WAL records, ${Math.round(stats.walBytes)} WAL bytes, ${stats.walSyncs.toFixed(2)} WAL syncs` +
      (stats.statements === null ? ' (pg_stat_statements not loaded)' : ''),
  );
  return stats;
}

async function measureCycles(
  label: string,
  concurrency: number,
  step: (worker: number) => Promise<'granted' | 'exhausted'>,
  options: BenchOptions,
  meter?: CpuMeter,
): Promise<CycleFigures> {
  const runs = await repeat(options.runs, () =>
    runClosedLoop({
      concurrency,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      step,
      ...(meter === undefined ? {} : { cpuMeter: meter }),
    }),
  );
  const figures = summarizeCycles(concurrency, runs);
  progress(
    `${label}: ${Math.round(figures.cyclesPerS.median)} cycles/s, ${Math.round(figures.exhaustedPerS.median)} exhausted/s, p99 ${figures.cycleP99Ms.median} ms` +
      (figures.errors > 0 ? `, ${figures.errors} errors (${figures.firstError ?? ''})` : ''),
  );
  return figures;
}

async function measureHeartbeat(
  kind: StoreKind,
  child: ChildHandle,
  ciSecret: string,
  cycleBroker: BrokerHttp,
  poolSize: number,
  maxCyclesPerS: number,
  options: BenchOptions,
): Promise<HeartbeatFigures> {
  const heldCount = Math.min(HELD_LEASES, Math.floor(poolSize / 2));
  const cycleRatePerS = Math.max(1, maxCyclesPerS / 2);
  const heartbeatPool = makePool(child.port, 32);
  const heartbeatBroker = new BrokerHttp(heartbeatPool, ciSecret);
  // Twice the cycle duration: p999 needs samples at a modest heartbeat rate.
  const durationMs = options.durationMs * 2;
  progress(
    `${kind} heartbeat: holding ${heldCount} leases; cycles at ${Math.round(cycleRatePerS)}/s, heartbeats at ${options.heartbeatRatePerS}/s`,
  );
  const held = await holdLeases(heartbeatBroker, heldCount);
  try {
    // Loop delays on both sides tell a stalled broker from a stalled generator.
    const generatorLoop = new LoopDelayMonitor();
    const brokerLoopDelay: (LoopDelay | null)[] = [];
    const generatorLoopDelay: LoopDelay[] = [];
    const runs = await repeat(options.runs, async () => {
      await child.loopDelay();
      generatorLoop.take();
      const run = await runHeartbeatLoad({
        cycleBroker,
        heartbeatBroker,
        held,
        cycleRatePerS,
        heartbeatRatePerS: options.heartbeatRatePerS,
        durationMs,
      });
      generatorLoopDelay.push(generatorLoop.take());
      brokerLoopDelay.push(await child.loopDelay());
      return run;
    });
    generatorLoop.stop();
    const firstError = runs
      .map((run) => run.cycles.firstError ?? run.heartbeats.firstError)
      .find((e) => e !== undefined);
    const figures: HeartbeatFigures = {
      heldLeases: heldCount,
      cycleRatePerS,
      heartbeatRatePerS: options.heartbeatRatePerS,
      acquire: summarizeLatencies(runs.map((run) => run.acquire)),
      heartbeat: summarizeLatencies(runs.map((run) => run.heartbeat)),
      exhausted: runs.reduce((sum, run) => sum + run.exhausted, 0),
      failed: runs.reduce((sum, run) => sum + run.cycles.failed + run.heartbeats.failed, 0),
      notSent: runs.reduce((sum, run) => sum + run.cycles.notSent + run.heartbeats.notSent, 0),
      unanswered: runs.reduce(
        (sum, run) => sum + run.cycles.unanswered + run.heartbeats.unanswered,
        0,
      ),
      ...(firstError === undefined ? {} : { firstError }),
      brokerLoopDelay,
      generatorLoopDelay,
    };
    progress(
      `${kind} heartbeat: acquire p99 ${figures.acquire.p99Ms.median} ms, heartbeat p99 ${figures.heartbeat.p99Ms.median} ms` +
        (figures.failed > 0 ? `, ${figures.failed} failed (${figures.firstError ?? ''})` : ''),
    );
    return figures;
  } finally {
    await releaseLeases(heartbeatBroker, held).catch(() => undefined);
    await heartbeatPool.close();
  }
}
