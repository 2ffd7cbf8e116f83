import type { WakeupSubscription } from '@qa-broker/store';
import type { Redis } from 'ioredis';
import { connectTimeoutOf, connectWithin } from './connect-within.js';
import { toStoreError } from './errors.js';
import { commandTimeoutOf } from './redis-client.js';

/** How often the subscriber connection is PINGed (cluster: probed) to prove it is alive. */
export const WAKE_WATCHDOG_INTERVAL_MS = 1_000;

/** For a reused client configured without timeouts: the watchdog still needs one. */
export const FALLBACK_TIMEOUT_MS = 2_000;
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
 * Wake-ups for one broker on a single Redis: a dedicated connection (a duplicate of the
 * store's client, same URL and timeouts) that SUBSCRIBEs to the broker's channel and calls
 * `onWake` with each ticketId the scripts PUBLISH there. (A Redis Cluster uses sharded
 * channels per kind instead: src/sharded-wakeups.ts.)
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
  client: Redis,
  onWake: (ticketIds: string[]) => void,
  options: WakeupOptions,
): Promise<WakeupSubscription> {
  const timeoutMs = commandTimeoutOf(client) ?? FALLBACK_TIMEOUT_MS;
  const subscriber = client.duplicate({
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
  try {
    await connectWithin(subscriber, connectTimeoutOf(client) ?? timeoutMs);
    await subscriber.subscribe(options.channel);
  } catch (error) {
    subscriber.disconnect();
    throw toStoreError(error, 'subscribe-wakeups');
  }
  const watchdog = setInterval(() => {
    if (subscriber.status !== 'ready') return;
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
