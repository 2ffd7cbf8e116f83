import type { TickWaitersInput, TickWaitersResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import type { KindKeys } from '../keys.js';
import { replyArray, replyInteger, replyString, replyStrings } from '../reply.js';
import { runScript } from '../scripts.js';
import { STEP_LIMIT, queueStepArgs, queueStepKeys } from './queue-step.js';

/**
 * Tickets renewed per script call: like every step, one call examines at most
 * `STEP_LIMIT` of them, however many a broker holds open.
 */
export const TICK_BATCH = STEP_LIMIT;

/**
 * Renews a broker's tickets of one kind and runs the queue step, in batches of
 * `TICK_BATCH` tickets (one script each; the queue step runs in every batch). With no
 * tickets it still runs once: reclaim and hand-on are what the hand-on timer wants.
 */
export async function tickWaitersScript(
  client: RedisClient,
  keys: KindKeys,
  input: TickWaitersInput,
): Promise<TickWaitersResult> {
  const granted: string[] = [];
  let nextExpiryAtMs: number | undefined;
  let offset = 0;
  do {
    const batch = input.ticketIds.slice(offset, offset + TICK_BATCH);
    offset += TICK_BATCH;
    const reply = await runScript(client, 'tick-waiters', queueStepKeys(keys), [
      ...queueStepArgs(client, keys, input.nowMs),
      ...batch,
    ]);
    const [grantedReply, nextReply] = replyArray(reply, 'tick-waiters');
    granted.push(...replyStrings(grantedReply, 'tick-waiters'));
    const next = replyString(nextReply, 'tick-waiters');
    if (next !== '') nextExpiryAtMs = replyInteger(next, 'tick-waiters');
  } while (offset < input.ticketIds.length);
  return nextExpiryAtMs !== undefined ? { granted, nextExpiryAtMs } : { granted };
}
