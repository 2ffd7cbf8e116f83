import type { Redis } from 'ioredis';
import { malformedReply, toStoreError } from './errors.js';
import { replyArray, replyInteger } from './reply.js';

/**
 * How long one sample of the Redis clock is trusted. Samples are kept in two buckets of
 * this length, so the estimate follows clock drift (at most a few ms over two buckets)
 * and a server whose clock was stepped, and a store idle longer than two buckets takes
 * one fresh sample (one `TIME`) before its next script.
 */
export const CLOCK_SAMPLE_WINDOW_MS = 5_000;

/**
 * What a state change may still need after Redis checked its deadline, and how far this
 * process's timers may fire early (Node arms them from the event loop's cached time).
 */
export function deadlineMarginMs(commandTimeoutMs: number): number {
  return Math.min(250, commandTimeoutMs / 4);
}

/**
 * An estimate of (Redis TIME − this process's monotonic clock), always a lower bound: a
 * reply stamped `redisNowMs` by Redis arrived here no earlier than that instant, so
 * `redisNowMs − receivedAt` can only understate the true difference. Understating it
 * makes deadlines earlier, never later, so a command is never run after its caller gave
 * up because of the estimate. The best (largest) bound of the current and the previous
 * window is used.
 */
export class RedisClockEstimate {
  private current = Number.NEGATIVE_INFINITY;
  private previous = Number.NEGATIVE_INFINITY;
  private windowStartedAt = Number.NEGATIVE_INFINITY;

  /** A Redis time read from a reply that arrived at `receivedAt` (performance.now()). */
  observe(redisNowMs: number, receivedAt: number): void {
    this.rotate(receivedAt);
    this.current = Math.max(this.current, redisNowMs - receivedAt);
  }

  /** The bound, or undefined when there is no recent sample. */
  offsetMs(now: number): number | undefined {
    this.rotate(now);
    const best = Math.max(this.current, this.previous);
    return Number.isFinite(best) ? best : undefined;
  }

  /** A new connection may lead to another server, with another clock. */
  forget(): void {
    this.current = Number.NEGATIVE_INFINITY;
    this.previous = Number.NEGATIVE_INFINITY;
    this.windowStartedAt = Number.NEGATIVE_INFINITY;
  }

  private rotate(now: number): void {
    const elapsed = now - this.windowStartedAt;
    if (elapsed < CLOCK_SAMPLE_WINDOW_MS) return;
    this.previous = elapsed < 2 * CLOCK_SAMPLE_WINDOW_MS ? this.current : Number.NEGATIVE_INFINITY;
    this.current = Number.NEGATIVE_INFINITY;
    this.windowStartedAt = now;
  }
}

const estimates = new WeakMap<Redis, RedisClockEstimate>();

/**
 * The estimate of one connection's server, forgotten whenever it reconnects. On a cluster
 * each primary's connection has its own: every kind's scripts run on its shard's clock.
 */
export function clockOf(client: Redis): RedisClockEstimate {
  let estimate = estimates.get(client);
  if (!estimate) {
    const created = new RedisClockEstimate();
    client.on('ready', () => created.forget());
    estimates.set(client, created);
    estimate = created;
  }
  return estimate;
}

const samplesInFlight = new WeakMap<Redis, Promise<number>>();

/**
 * The bound, sampling `TIME` first when there is no recent one (after a reconnect or a
 * few idle seconds). Calls that find no bound at the same time share one sample.
 */
export async function redisClockOffsetMs(client: Redis): Promise<number> {
  const known = clockOf(client).offsetMs(performance.now());
  if (known !== undefined) return known;
  let sampling = samplesInFlight.get(client);
  if (!sampling) {
    sampling = sampleRedisClock(client).finally(() => samplesInFlight.delete(client));
    samplesInFlight.set(client, sampling);
  }
  return sampling;
}

async function sampleRedisClock(client: Redis): Promise<number> {
  let reply: unknown;
  try {
    reply = await client.time();
  } catch (error) {
    throw toStoreError(error, 'time');
  }
  const receivedAt = performance.now();
  const [seconds, micros] = replyArray(reply, 'time').map((part) => replyInteger(part, 'time'));
  if (seconds === undefined || micros === undefined) throw malformedReply('time');
  const sample = seconds * 1000 + Math.floor(micros / 1000) - receivedAt;
  const estimate = clockOf(client);
  estimate.observe(sample + receivedAt, receivedAt);
  return estimate.offsetMs(receivedAt) ?? sample;
}
