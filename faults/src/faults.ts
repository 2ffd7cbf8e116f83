import { takeSnapshot } from './admin.ts';
import type { BrokerProcess } from './broker-process.ts';
import type { RunContext } from './run-context.ts';
import { sleep } from './sleep.ts';
import type { TcpProxy } from './tcp-proxy.ts';

/** A store the harness owns and may crash: a private Redis or PostgreSQL. */
export interface RestartableStore {
  readonly url: string;
  readonly port: number;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export type FaultName =
  | 'broker-kill-restart'
  | 'broker-pause-past-ttl'
  | 'broker-clock-skew'
  | 'store-restart'
  | 'store-cutoff'
  | 'store-slow'
  | 'primary-failover'
  | 'primary-killed'
  | 'primary-lost-lagging';

export interface FaultRecord {
  name: FaultName;
  /** Harness clock. */
  startedAt: number;
  endedAt: number;
  detail: string;
}

export interface FaultTargets {
  ctx: RunContext;
  store: RestartableStore;
  proxy: TcpProxy;
  faults: FaultRecord[];
}

/** What a fault on the brokers alone needs (any store, a cluster too). */
export type BrokerFaultTargets = Pick<FaultTargets, 'ctx' | 'faults'>;

export async function recordFault(
  targets: BrokerFaultTargets,
  name: FaultName,
  detail: string,
  act: () => Promise<void>,
): Promise<void> {
  const startedAt = targets.ctx.recorder.now();
  try {
    await act();
  } finally {
    targets.faults.push({ name, startedAt, endedAt: targets.ctx.recorder.now(), detail });
  }
}

/** SIGKILL a broker mid-load; it comes back on the same port after `downMs`. */
export function killAndRestart(
  targets: BrokerFaultTargets,
  broker: BrokerProcess,
  downMs: number,
): Promise<void> {
  return recordFault(
    targets,
    'broker-kill-restart',
    `broker ${broker.settings.index} down ${downMs} ms`,
    async () => {
      await broker.kill();
      await sleep(downMs);
      await broker.start();
    },
  );
}

/** SIGSTOP a broker for longer than any lease TTL, then SIGCONT: its queued work runs late. */
export function pausePastTtl(
  targets: BrokerFaultTargets,
  broker: BrokerProcess,
  pauseMs: number,
): Promise<void> {
  return recordFault(
    targets,
    'broker-pause-past-ttl',
    `broker ${broker.settings.index} stopped ${pauseMs} ms`,
    async () => {
      broker.pause();
      await sleep(pauseMs);
      broker.resume();
    },
  );
}

/**
 * Crash the store (Redis SIGKILL with AOF fsync always; Postgres immediate stop) and
 * start it again; then list through a broker as soon as one answers, so the checker can
 * see that every lease certainly held across the restart is still there.
 */
export function restartStore(targets: FaultTargets, downMs: number): Promise<void> {
  return recordFault(targets, 'store-restart', `store down ${downMs} ms`, async () => {
    await targets.store.restart(downMs);
    for (let tries = 0; tries < 50; tries++) {
      if (await takeSnapshot(targets.ctx, 'after store restart')) return;
      await sleep(200);
    }
    throw new Error('no broker could list credentials within 10 s of the store restart');
  });
}

/**
 * Cut the brokers off the store: first packets vanish (blackhole), then connections are
 * refused; the brokers must answer 503 quickly instead of hanging, and nothing may be
 * granted after they told a client they gave up.
 */
export function cutOffStore(
  targets: FaultTargets,
  blackholeMs: number,
  refuseMs: number,
): Promise<void> {
  const detail = `blackhole ${blackholeMs} ms, then refuse ${refuseMs} ms`;
  return recordFault(targets, 'store-cutoff', detail, async () => {
    targets.proxy.setMode({ type: 'blackhole' });
    await sleep(blackholeMs);
    targets.proxy.setMode({ type: 'refuse' });
    await sleep(refuseMs);
    targets.proxy.setMode({ type: 'pass', delayMs: 0 });
  });
}

/** Delay every chunk to and from the store. */
export function slowStore(
  targets: FaultTargets,
  delayMs: number,
  durationMs: number,
): Promise<void> {
  return recordFault(
    targets,
    'store-slow',
    `+${delayMs} ms per chunk for ${durationMs} ms`,
    async () => {
      targets.proxy.setMode({ type: 'pass', delayMs });
      await sleep(durationMs);
      targets.proxy.setMode({ type: 'pass', delayMs: 0 });
    },
  );
}
