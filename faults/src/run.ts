import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { addCredential, adminWorker } from './admin.ts';
import type { ClusterTargets } from './cluster-faults.ts';
import { failoverPrimary, killPrimary, loseLaggingPrimary } from './cluster-faults.ts';
import { BrokerProcess } from './broker-process.ts';
import type { CheckResult } from './checker.ts';
import { checkHistory } from './checker.ts';
import type { FaultRecord, FaultTargets, RestartableStore } from './faults.ts';
import { cutOffStore, killAndRestart, pausePastTtl, restartStore, slowStore } from './faults.ts';
import { finalState } from './final-phase.ts';
import { HEALTH_KINDS, healthActor, settleHealth } from './health-actor.ts';
import { healthWorker } from './health-worker.ts';
import { freePort } from './free-port.ts';
import type { History } from './history.ts';
import { TICKET_GRACE_MS } from './check/tickets.ts';
import { leaseWorker } from './lease-worker.ts';
import { PrivatePostgres } from './private-postgres.ts';
import { PrivateRedis } from './private-redis.ts';
import { PrivateRedisCluster } from './private-redis-cluster.ts';
import { seededRandom } from './random.ts';
import { Recorder } from './recorder.ts';
import type { RunContext } from './run-context.ts';
import { FAKE_SECRETS } from './run-context.ts';
import { sleep } from './sleep.ts';
import type { StoreType } from './store-events.ts';
import { openStoreDirect, readGrantEvents } from './store-events.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { summarize } from './summary.ts';
import type { RunSummary } from './summary.ts';
import { waitingWorker } from './waiting-worker.ts';

export interface RunOptions {
  store: StoreType;
  /** Minutes of repeated, randomized faults instead of one short pass. */
  long: boolean;
  seed: number;
  /** Long runs only: how long the load runs. */
  durationMs?: number;
  /** Progress lines (none when absent). */
  log?: (line: string) => void;
  /** Keep the temp dir with the broker logs even when the run is clean. */
  keepLogs?: boolean;
  /** Delay per chunk of the short run's slow-store fault (default 150 ms; above the
   * stores' timeouts it shows whether a late store still grants after a 503). */
  slowStoreDelayMs?: number;
  /** redis-cluster: replicas each state change waits for (--store-redis-wait-replicas; default 1). */
  waitReplicas?: number;
  /** redis-cluster: how far the replica lags when its primary is killed (default 500 ms). */
  replicaLagMs?: number;
}

export interface RunReport {
  options: RunOptions;
  history: History;
  result: CheckResult;
  faults: FaultRecord[];
  summary: RunSummary;
  /** Broker logs (deleted after a clean run unless keepLogs). */
  logDir: string;
}

const LEASE_TTL_MS = { min: 2_000, max: 4_000 };
const SKEW_MS = 10 * 60_000;

function brokerEnv(waitReplicas: number | undefined): Record<string, string> {
  return {
    ...(waitReplicas !== undefined
      ? { QA_BROKER_STORE_REDIS_WAIT_REPLICAS: String(waitReplicas) }
      : {}),
    QA_BROKER_SECRET_MAINTAINER: FAKE_SECRETS.maintainer,
    QA_BROKER_SECRET_CI: FAKE_SECRETS.ci,
    QA_BROKER_LEASE_TTL_MIN_MS: '500',
    QA_BROKER_LEASE_TTL_DEFAULT_MS: '3000',
    QA_BROKER_LEASE_TTL_MAX_MS: '10000',
    QA_BROKER_HEARTBEAT_INTERVAL_MIN_MS: '100',
    QA_BROKER_HEARTBEAT_INTERVAL_DEFAULT_MS: '1000',
    QA_BROKER_HEARTBEAT_INTERVAL_MAX_MS: '5000',
  };
}

/** One pass over every fault, in a fixed order with short gaps (about 20 s). */
async function shortPlan(targets: FaultTargets, slowStoreDelayMs: number): Promise<void> {
  const [first, second] = targets.ctx.brokers;
  await sleep(1_500);
  await killAndRestart(targets, first!, 1_500);
  await sleep(1_000);
  await pausePastTtl(targets, second!, LEASE_TTL_MS.max + 1_000);
  await sleep(500);
  await restartStore(targets, 300);
  await sleep(1_000);
  await cutOffStore(targets, 2_500, 1_000);
  await sleep(1_000);
  await slowStore(targets, slowStoreDelayMs, 2_500);
  await sleep(1_500);
}

/** Random faults with random durations until `durationMs` has passed. */
async function longPlan(targets: FaultTargets, durationMs: number): Promise<void> {
  const { ctx } = targets;
  const end = ctx.recorder.now() + durationMs;
  while (ctx.recorder.now() < end) {
    await sleep(ctx.random.int(500, 3_000));
    const broker = ctx.random.pick(ctx.brokers);
    switch (ctx.random.int(0, 4)) {
      case 0:
        // A skewed broker comes back skewed the other way: both directions get covered.
        if (broker.settings.clockOffsetMs !== 0)
          broker.settings.clockOffsetMs = -broker.settings.clockOffsetMs;
        await killAndRestart(targets, broker, ctx.random.int(0, 3_000));
        break;
      case 1:
        await pausePastTtl(targets, broker, ctx.random.int(LEASE_TTL_MS.max, 3 * LEASE_TTL_MS.max));
        break;
      case 2:
        await restartStore(targets, ctx.random.int(0, 2_000));
        break;
      case 3:
        await cutOffStore(targets, ctx.random.int(500, 5_000), ctx.random.int(0, 2_000));
        break;
      default:
        await slowStore(targets, ctx.random.int(20, 400), ctx.random.int(1_000, 5_000));
    }
  }
}

/**
 * The cluster pass: broker faults as in the short plan, then a graceful failover of one
 * kind's primary, a killed primary (the cluster promotes its replica) and a primary lost
 * while its replica lags (about 40 s). No proxy faults: a proxy cannot sit in front of a
 * cluster.
 */
async function clusterPlan(
  targets: ClusterTargets,
  replicaLagMs: number,
  log: (line: string) => void,
): Promise<void> {
  const { ctx } = targets;
  const [first, second] = ctx.brokers;
  const [kindA, kindB] = ctx.kinds;
  await sleep(1_500);
  await killAndRestart(targets, first!, 1_000);
  await sleep(1_000);
  await pausePastTtl(targets, second!, LEASE_TTL_MS.max + 1_000);
  await sleep(1_000);
  log('redis-cluster: graceful failover');
  await failoverPrimary(targets, kindA!);
  await sleep(1_500);
  log('redis-cluster: killing a primary');
  await killPrimary(targets, kindB!);
  await sleep(1_500);
  log(`redis-cluster: losing a primary whose replica lags ${replicaLagMs} ms`);
  await loseLaggingPrimary(targets, kindA!, replicaLagMs);
  log('redis-cluster: both killed primaries are back as replicas');
  await sleep(1_500);
}

async function startStore(type: Exclude<StoreType, 'redis-cluster'>): Promise<RestartableStore> {
  return type === 'redis' ? PrivateRedis.start() : PrivatePostgres.start();
}

/**
 * One run: a private store behind a TCP proxy, three broker processes sharing it (one
 * with a skewed clock), clients and a maintainer hammering them while the faults happen,
 * then the final drain, the store's own grant events, and the checker's verdict.
 */
export async function runFaults(options: RunOptions): Promise<RunReport> {
  const log = options.log ?? (() => undefined);
  const logDir = await mkdtemp(join(tmpdir(), `qa-faults-${options.store}-`));
  const random = seededRandom(options.seed);
  const recorder = new Recorder();
  const dispatcher = new Agent({ keepAliveTimeout: 2_000, connections: 64 });
  const controller = new AbortController();
  const faults: FaultRecord[] = [];
  let store: RestartableStore | undefined;
  let cluster: PrivateRedisCluster | undefined;
  let proxy: TcpProxy | undefined;
  const brokers: BrokerProcess[] = [];
  let clean = false;
  try {
    let storeUrl: string;
    if (options.store === 'redis-cluster') {
      cluster = await PrivateRedisCluster.start();
      storeUrl = cluster.url;
    } else {
      store = await startStore(options.store);
      proxy = await TcpProxy.start(store.port);
      storeUrl = store.url.replace(`:${store.port}`, `:${proxy.port}`);
    }
    const waitReplicas =
      options.store === 'redis-cluster' ? (options.waitReplicas ?? 1) : undefined;
    for (let index = 0; index < 3; index++) {
      brokers.push(
        new BrokerProcess({
          index,
          port: await freePort(),
          storeUrl,
          env: brokerEnv(waitReplicas),
          clockOffsetMs: index === 2 ? SKEW_MS : 0,
          logFile: join(logDir, `broker-${index}.log`),
        }),
      );
    }
    // Started together: concurrent migrations on a fresh store are part of the test.
    await Promise.all(brokers.map((broker) => broker.start()));
    log(`${options.store}: store and 3 brokers up (logs in ${logDir})`);

    const ctx: RunContext = {
      runId: `faults-${randomBytes(4).toString('hex')}`,
      random,
      recorder,
      brokers,
      dispatcher,
      kinds: options.long ? ['fault-a', 'fault-b', 'fault-c'] : ['fault-a', 'fault-b'],
      queueKinds: options.long ? ['fault-q', 'fault-r'] : ['fault-q'],
      healthKinds: HEALTH_KINDS,
      // Above the stores' own timeouts (Redis 2 s, Postgres 5 s + 1 s), so a cut-off store
      // shows up as the brokers' 503 rather than as a client timeout.
      requestTimeoutMs: 8_000,
      leaseTtlMs: LEASE_TTL_MS,
      signal: controller.signal,
    };
    for (const kind of ctx.kinds) {
      for (let i = 0; i < 3; i++) {
        if (!(await addCredential(ctx, kind, { index: 0, url: brokers[0]!.url })))
          throw new Error('seeding a credential failed');
      }
    }
    // Queue kinds get fewer credentials than waiting clients, so tickets really queue.
    for (const kind of ctx.queueKinds) {
      for (let i = 0; i < 2; i++) {
        if (!(await addCredential(ctx, kind, { index: 0, url: brokers[0]!.url })))
          throw new Error('seeding a credential failed');
      }
    }
    // Health kinds: broken releases quarantine, quotas change (spec additions §2, §3).
    for (const kind of ctx.healthKinds ?? []) {
      for (let i = 0; i < 4; i++) {
        if (!(await addCredential(ctx, kind, { index: 0, url: brokers[0]!.url })))
          throw new Error('seeding a credential failed');
      }
    }
    const skewStart = recorder.now();
    const clients = options.long ? 12 : 8;
    const workers = [
      ...Array.from({ length: clients }, (_, i) => leaseWorker(ctx, `client-${i}`)),
      adminWorker(ctx, 1_500),
      ...Array.from({ length: options.long ? 6 : 4 }, (_, i) =>
        waitingWorker(ctx, `parked-${i}`, 'parked'),
      ),
      ...Array.from({ length: options.long ? 2 : 1 }, (_, i) =>
        waitingWorker(ctx, `polling-${i}`, 'polling'),
      ),
      ...Array.from({ length: 3 }, (_, i) => healthWorker(ctx, `health-${i}`)),
      healthActor(ctx, 600),
    ];
    try {
      if (cluster) await clusterPlan({ ctx, cluster, faults }, options.replicaLagMs ?? 500, log);
      else if (options.long)
        await longPlan(
          { ctx, store: store!, proxy: proxy!, faults },
          options.durationMs ?? 180_000,
        );
      else
        await shortPlan(
          { ctx, store: store!, proxy: proxy!, faults },
          options.slowStoreDelayMs ?? 150,
        );
    } finally {
      controller.abort();
      await Promise.all(workers);
      // Whatever a fault left behind, the end of the run needs every piece back.
      proxy?.setMode({ type: 'pass', delayMs: 0 });
      for (const broker of brokers) broker.resume();
    }
    faults.push({
      name: 'broker-clock-skew',
      startedAt: skewStart,
      endedAt: recorder.now(),
      detail: `broker 2 ran ${SKEW_MS / 60_000} min off the real clock`,
    });
    log(
      `${options.store}: load stopped after ${Math.round(recorder.now() / 1000)} s, ${faults.length} faults; waiting for leases to expire`,
    );

    // Let every lease that may still be stored run out before the final checks; a ticket
    // left queued may still be granted until its grace ends, and that grant is handed on
    // only at its pickup deadline.
    const expiredBy =
      recorder.lastCompletion() + Math.max(LEASE_TTL_MS.max, 2 * TICKET_GRACE_MS) + 1_500;
    await sleep(Math.max(0, expiredBy - recorder.now()));
    // Quotas cleared and quarantines lifted (recorded), so the drain can take everything.
    await settleHealth(ctx);
    const final = await finalState(ctx, `${ctx.runId}-drain`);
    const direct = await openStoreDirect(options.store, cluster?.url ?? store!.url);
    let grantEvents;
    try {
      grantEvents = (await readGrantEvents(direct)).filter(
        (event) => !event.ownerId.startsWith(`${ctx.runId}-drain`),
      );
    } finally {
      await direct.close();
    }
    const history: History = {
      ops: recorder.history(),
      // The skew lasts the whole run and changes no timing: it is no disturbance.
      disturbances: faults
        .filter((fault) => fault.name !== 'broker-clock-skew')
        .map((fault) => ({ startedAt: fault.startedAt, endedAt: fault.endedAt, what: fault.name })),
      snapshots: recorder.snapshots,
      grantEvents,
      final,
      health: recorder.health,
    };
    const result = checkHistory(history);
    clean = result.violations.length === 0;
    // A red run keeps its evidence: the history, the verdict and the faults, next to the logs.
    if (!clean)
      await writeFile(
        join(logDir, 'history.json'),
        JSON.stringify({ options, faults, history, result }, null, 1),
      );
    return {
      options,
      history,
      result,
      faults,
      summary: summarize(history, result, faults),
      logDir,
    };
  } finally {
    controller.abort();
    await Promise.allSettled(brokers.map((broker) => broker.stop()));
    await proxy?.stop().catch(() => undefined);
    await store?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await dispatcher.close().catch(() => undefined);
    if (clean && !options.keepLogs) await rm(logDir, { recursive: true, force: true });
  }
}
