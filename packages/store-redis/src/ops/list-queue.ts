import type { QueuedWaiter } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyArray, replyInteger, replyString } from '../reply.js';
import { runScript } from '../scripts.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

const OP = 'list-queue';

function parseWaiter(row: unknown): QueuedWaiter {
  const [waiterId, explicit, ownerId, actorRole, priority, waitedMs, reserved] = replyArray(
    row,
    OP,
  );
  const role = replyString(actorRole, OP);
  if (role !== 'ci' && role !== 'maintainer') throw malformedReply(OP);
  return {
    waiterId: replyString(waiterId, OP),
    explicit: replyInteger(explicit, OP) === 1,
    ownerId: replyString(ownerId, OP),
    actorRole: role,
    priority: replyInteger(priority, OP),
    waitedMs: replyInteger(waitedMs, OP),
    reserved: replyInteger(reserved, OP) === 1,
  };
}

/** One kind's live waiters in queue order (undelivered grants first), at most `limit`. */
export async function listQueueScript(
  client: RedisClient,
  keys: KindKeys,
  limit: number,
  nowMs?: number,
): Promise<QueuedWaiter[]> {
  const reply = await runScript(client, 'list-queue', queueStepKeys(keys), [
    ...queueStepArgs(client, keys, nowMs),
    limit,
  ]);
  return replyArray(reply, OP).map(parseWaiter);
}
