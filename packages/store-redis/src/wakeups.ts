import type { WakeupSubscription } from '@qa-broker/store';
import type { Cluster } from 'ioredis';
import { toStoreError } from './errors.js';
import { commandTimeoutOf, isCluster, type RedisClient } from './redis-client.js';

/** How often the subscriber connection is PINGed to prove it is alive. */
export const WAKE_WATCHDOG_INTERVAL_MS = 1_000;

/** For a reused client configured without timeouts: the watchdog still needs one. */
const FALLBACK_TIMEOUT_MS = 2_000;

export interface WakeupOptions {
  /** The channel to SUBSCRIBE to (`Keyspace.wakeChannel(brokerId)`). */
  channel: string;
  /** Shown in `CLIENT LIST` (`CLIENT SETNAME`), so an operator can tell it apart. */
  connectionName: string;
  watchdogIntervalMs?: number;
}

/** `CLIENT SETNAME` refuses spaces and newlines; keep the name readable, not exact. */
export function wakeConnectionName(prefix: string, brokerId: string): string {
  return `${prefix}:wake:${brokerId}`.replace(/[^\x21-\x7e]/g, '_').slice(0, 200);
}

/**
 * Wake-ups for one broker: a dedicated connection (a duplicate of the store's client,
 * same URL and timeouts) that SUBSCRIBEs to the broker's channel and calls `onWake`
 * with each ticketId the scripts PUBLISH there.
 *
 * - Reconnects by itself (the client's retry strategy) and SUBSCRIBEs again
 *   (ioredis `autoResubscribe`); messages published while it was away are lost, which
 *   is why brokers also tick.
 * - A connection that dies silently (a partition: no FIN, no RST) would otherwise wait
 *   forever, since a subscriber never sends. The watchdog PINGs it every
 *   `watchdogIntervalMs`; the inherited `socketTimeout` destroys a socket whose PING gets
 *   no reply within the command timeout, and the reconnect above takes over.
 * - `close()` unsubscribes and ends the connection; no callback runs after it resolves.
 */
export async function subscribeWakeupChannel(
  client: RedisClient,
  onWake: (ticketIds: string[]) => void,
  options: WakeupOptions,
): Promise<WakeupSubscription> {
  const timeoutMs = commandTimeoutOf(client) ?? FALLBACK_TIMEOUT_MS;
  const subscriber = isCluster(client)
    ? clusterSubscriber(client, options.connectionName)
    : client.duplicate({
        lazyConnect: true,
        autoResubscribe: true,
        connectionName: options.connectionName,
        commandTimeout: timeoutMs,
        // Armed only while a command (the watchdog's PING) awaits its reply: a silent
        // subscriber is fine, an unanswered PING drops the socket.
        socketTimeout: client.options.socketTimeout ?? timeoutMs,
      });
  let open = true;
  // Errors surface as reconnects; without a listener ioredis would print each one.
  subscriber.on('error', () => {});
  subscriber.on('message', (channel: string, ticketId: string) => {
    if (!open || channel !== options.channel) return;
    try {
      onWake([ticketId]);
    } catch {
      // A failing callback must not take the subscription down; ticks recover.
    }
  });
  if (isCluster(subscriber)) subscriber.on('node error', () => {});
  try {
    await connectWithin(subscriber, connectTimeoutOf(client) ?? timeoutMs);
    await subscriber.subscribe(options.channel);
  } catch (error) {
    subscriber.disconnect();
    throw toStoreError(error, 'subscribe-wakeups');
  }
  const watchdog = setInterval(() => {
    // A cluster's PING goes to some primary, not to its subscriber connection: nothing to
    // prove there (see clusterSubscriber).
    if (isCluster(subscriber) || subscriber.status !== 'ready') return;
    subscriber.ping().catch(() => {
      // The socket timeout drops the connection; the reconnect resubscribes.
    });
  }, options.watchdogIntervalMs ?? WAKE_WATCHDOG_INTERVAL_MS);
  watchdog.unref();

  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= (async () => {
        open = false;
        clearInterval(watchdog);
        try {
          await subscriber.quit();
        } catch {
          subscriber.disconnect();
        }
      })();
      return closing;
    },
  };
}

/**
 * On a Redis Cluster a plain PUBLISH reaches every node, so a SUBSCRIBE on any one node
 * hears every wake-up. A duplicate of the store's cluster client does exactly that: its
 * SUBSCRIBE goes to one subscriber connection (to a node it picks), and when that
 * connection ends (its node failed or was removed) the client picks another node and
 * subscribes again by itself. Unlike the single-node case no watchdog PINGs that
 * connection (the cluster client sends a PING to a primary, not to it): a subscriber
 * connection that dies silently is only noticed by TCP, and until then the brokers'
 * 500 ms tick delivers the grants.
 */
function clusterSubscriber(client: Cluster, connectionName: string): Cluster {
  return client.duplicate([], {
    lazyConnect: true,
    redisOptions: { ...client.options.redisOptions, connectionName },
  });
}

function connectTimeoutOf(client: RedisClient): number | undefined {
  return isCluster(client)
    ? client.options.redisOptions?.connectTimeout
    : client.options.connectTimeout;
}

/** A cluster client keeps retrying its seed nodes: a start must not wait forever. */
async function connectWithin(subscriber: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The wake-up subscriber was not ready within ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([subscriber.connect(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
