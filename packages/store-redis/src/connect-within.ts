import type { RedisClient } from './redis-client.js';
import { isCluster } from './redis-client.js';

/** The connect timeout a client was built with (undefined = none). */
export function connectTimeoutOf(client: RedisClient): number | undefined {
  return isCluster(client)
    ? client.options.redisOptions?.connectTimeout
    : client.options.connectTimeout;
}

/**
 * Connects a subscriber client, or fails after `timeoutMs`: a cluster client keeps
 * retrying its seed nodes, and a start must not wait forever.
 */
export async function connectWithin(subscriber: RedisClient, timeoutMs: number): Promise<void> {
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
