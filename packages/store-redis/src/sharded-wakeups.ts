import type { WakeupSubscription } from '@qa-broker/store';
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { connectTimeoutOf, connectWithin } from './connect-within.js';
import { toStoreError } from './errors.js';
import { commandTimeoutOf } from './redis-client.js';
import { ticketIdFor } from './sharded-wake-message.js';
import { WATCH_IDLE_MS } from './waiting-kinds.js';
import { FALLBACK_TIMEOUT_MS, WAKE_WATCHDOG_INTERVAL_MS } from './wakeups.js';

/** What tests shorten; production uses the defaults. */
export interface ShardedWakeTuning {
  /** How often every watched channel is probed and idle kinds are dropped; default 1 s. */
  probeIntervalMs?: number;
  /** A kind is dropped this long after its last WAITING answer; default `WATCH_IDLE_MS`. */
  watchIdleMs?: number;
}

export interface ShardedWakeOptions extends ShardedWakeTuning {
  brokerId: string;
  /** Shown in `CLIENT LIST` as `ioredis-cluster(ssubscriber):<name>`. */
  connectionName: string;
  /** The kinds this broker got a WAITING answer for within `idleMs` (src/waiting-kinds.ts). */
  recentKinds(idleMs: number): string[];
  /** A kind's sharded channel (`KindKeys.wakeChannel`). */
  channelOf(kind: string): string;
}

/** One subscriber client (a duplicate of the store's cluster client) and what it listens to. */
interface Listener {
  cluster: Cluster;
  /** Channels whose SSUBSCRIBE was confirmed. */
  channels: Set<string>;
  /** Replaced or closed: its messages are no longer delivered. */
  retired: boolean;
}

/**
 * Wake-ups for one broker on a Redis Cluster. The scripts SPUBLISH a grant on its kind's
 * channel (src/lua/includes/wake-broker.lua), so this subscription SSUBSCRIBEs to the
 * channels of the kinds the broker waits on, and calls `onWake` with the ticketIds
 * addressed to its broker.
 *
 * - Which kinds: those with a WAITING answer for this broker within `watchIdleMs`. The
 *   store calls `watch(kind)` on such an answer and waits for the SSUBSCRIBE, so a grant
 *   right after it is heard; a kind idle for longer is SUNSUBSCRIBEd at the next round.
 * - Routing, MOVED, failover: ioredis' sharded subscribers (`shardedSubscribers: true`)
 *   keep one subscriber connection per primary that owns a watched slot, and when a
 *   connection ends or the slot map changes they connect to the new owner and
 *   SSUBSCRIBE again. Messages published meanwhile are lost, which is why brokers tick.
 * - A connection that dies silently (no FIN, no RST) is never noticed by the client,
 *   since a subscriber never sends. The watchdog probes end to end instead: every
 *   `probeIntervalMs` it SPUBLISHes a probe on each watched channel through the store's
 *   own client and expects it back within the command timeout. A probe that went out and
 *   never came back rebuilds the whole subscriber client and SSUBSCRIBEs every watched
 *   channel again; a probe that could not be published (the store is unavailable) proves
 *   nothing and changes nothing.
 * - `close()` ends it; no callback runs after it resolves.
 */
export class ShardedWakeSubscription implements WakeupSubscription {
  private listener: Listener | undefined;
  /** Subscribing, unsubscribing and rebuilding run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private watchdog: NodeJS.Timeout | undefined;
  private probing = false;
  /** Probes in flight: message -> called when it comes back (or on close). */
  private readonly probes = new Map<string, () => void>();
  private readonly probePrefix = `probe:${randomBytes(6).toString('hex')}:`;
  private probeCount = 0;
  private readonly timeoutMs: number;
  private readonly watchIdleMs: number;

  constructor(
    private readonly client: Cluster,
    private readonly onWake: (ticketIds: string[]) => void,
    private readonly options: ShardedWakeOptions,
  ) {
    this.timeoutMs = commandTimeoutOf(client) ?? FALLBACK_TIMEOUT_MS;
    this.watchIdleMs = options.watchIdleMs ?? WATCH_IDLE_MS;
  }

  /** Connects and listens to the broker's recent kinds; a StoreError when the cluster is out of reach. */
  async start(): Promise<void> {
    try {
      await this.serially(async () => {
        const listener = await this.openListener();
        if (this.closed) return listener.cluster.disconnect();
        this.listener = listener;
        await this.subscribeRecentKinds(listener);
      });
    } catch (error) {
      throw toStoreError(error, 'subscribe-wakeups');
    }
    this.watchdog = setInterval(
      () => void this.watchdogRound(),
      this.options.probeIntervalMs ?? WAKE_WATCHDOG_INTERVAL_MS,
    );
    this.watchdog.unref();
  }

  /**
   * Listens to `kind` too (the broker just got a WAITING answer for it). Resolves once the
   * SSUBSCRIBE is confirmed, or failed: never rejects, the next round retries and ticks
   * cover the gap. The caller's request parks right after, so the wait costs it nothing.
   */
  watch(kind: string): Promise<void> {
    if (this.closed || this.listener?.channels.has(this.options.channelOf(kind))) {
      return Promise.resolve();
    }
    return this.serially(() => this.subscribeRecentKinds(this.listener)).catch(() => {});
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.watchdog);
    for (const release of this.probes.values()) release();
    if (this.listener) retire(this.listener);
    this.listener = undefined;
    return Promise.resolve();
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  private async openListener(): Promise<Listener> {
    const cluster = this.client.duplicate([], {
      lazyConnect: true,
      shardedSubscribers: true,
      redisOptions: {
        ...this.client.options.redisOptions,
        connectionName: this.options.connectionName,
      },
    });
    const listener: Listener = { cluster, channels: new Set(), retired: false };
    // Errors surface as reconnects; without listeners ioredis would print each one.
    cluster.on('error', () => {});
    cluster.on('node error', () => {});
    cluster.on('smessage', (_channel: string, message: string) => this.hear(listener, message));
    try {
      await connectWithin(cluster, connectTimeoutOf(this.client) ?? this.timeoutMs);
    } catch (error) {
      cluster.disconnect();
      throw error;
    }
    return listener;
  }

  /** SSUBSCRIBEs the recent kinds' channels `listener` lacks; SUNSUBSCRIBEs idle ones. */
  private async subscribeRecentKinds(listener: Listener | undefined): Promise<void> {
    if (!listener || listener.retired) return;
    const wanted = new Set(
      this.options.recentKinds(this.watchIdleMs).map((kind) => this.options.channelOf(kind)),
    );
    const missing = [...wanted].filter((channel) => !listener.channels.has(channel));
    const idle = [...listener.channels].filter((channel) => !wanted.has(channel));
    await Promise.all([
      // One call per channel: ioredis takes only channels of one slot per SSUBSCRIBE.
      ...missing.map(async (channel) => {
        try {
          await listener.cluster.ssubscribe(channel);
          listener.channels.add(channel);
        } catch {
          // Not listening yet: the next watch or watchdog round tries again.
        }
      }),
      ...idle.map(async (channel) => {
        listener.channels.delete(channel);
        await listener.cluster.sunsubscribe(channel).catch(() => {});
      }),
    ]);
  }

  private hear(listener: Listener, message: string): void {
    if (this.closed || listener.retired) return;
    const probe = this.probes.get(message);
    if (probe) return probe();
    const ticketId = ticketIdFor(this.options.brokerId, message);
    if (ticketId === undefined) return;
    try {
      this.onWake([ticketId]);
    } catch {
      // A failing callback must not take the subscription down; ticks recover.
    }
  }

  private async watchdogRound(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    try {
      await this.serially(() => this.subscribeRecentKinds(this.listener));
      const listener = this.listener;
      if (!listener || listener.channels.size === 0) return;
      const verdicts = await Promise.all([...listener.channels].map((c) => this.probe(c)));
      if (verdicts.includes('silent') && listener === this.listener) {
        await this.serially(() => this.rebuild(listener));
      }
    } catch {
      // Nothing here may escape a timer; the next round tries again.
    } finally {
      this.probing = false;
    }
  }

  /** Publishes a probe on `channel` through the store's client and waits for its echo. */
  private async probe(channel: string): Promise<'heard' | 'silent' | 'unpublished'> {
    const message = `${this.probePrefix}${++this.probeCount}`;
    let heard = false;
    let stopWaiting: (() => void) | undefined;
    this.probes.set(message, () => {
      heard = true;
      stopWaiting?.();
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      try {
        await this.client.spublish(channel, message);
      } catch {
        return 'unpublished';
      }
      // Redis queues the message to subscribers before it answers the publisher: it is
      // normally here already, and the command timeout is the bound for a healthy reply.
      if (!heard && !this.closed) {
        await new Promise<void>((resolve) => {
          stopWaiting = resolve;
          timer = setTimeout(resolve, this.timeoutMs);
        });
      }
      return heard || this.closed ? 'heard' : 'silent';
    } finally {
      clearTimeout(timer);
      this.probes.delete(message);
    }
  }

  /** A fresh subscriber client with every watched channel, then the old one is ended. */
  private async rebuild(silent: Listener): Promise<void> {
    if (this.closed || silent !== this.listener) return;
    let next: Listener;
    try {
      next = await this.openListener();
    } catch {
      return; // The cluster is out of reach: the next round probes (and rebuilds) again.
    }
    await this.subscribeRecentKinds(next);
    if (this.closed) return retire(next);
    this.listener = next;
    retire(silent);
  }
}

/**
 * Stops delivering a listener's messages and drops its connections. Not a QUIT: the
 * connections of a silent listener would not answer it, and Redis forgets a subscriber
 * whose socket closed just the same.
 */
function retire(listener: Listener): void {
  listener.retired = true;
  listener.cluster.disconnect();
}
