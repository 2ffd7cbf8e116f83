import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import { replyInteger } from '../reply.js';
import { runScript } from '../scripts.js';

/** Deletes at most `batchSize` events older than `maxAgeMs` from one event log; returns how many. */
export async function pruneEventsScript(
  client: RedisClient,
  eventLog: string,
  options: { maxAgeMs: number; batchSize: number; nowMs?: number },
): Promise<number> {
  const reply = await runScript(
    client,
    'prune-events',
    [eventLog],
    [nowArgument(options.nowMs), options.maxAgeMs, options.batchSize],
  );
  return replyInteger(reply, 'prune-events');
}
