import type { CancelWaitInput } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus } from '../reply.js';
import { runScript } from '../scripts.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

/** True when an undelivered grant was released and handed on. */
export async function cancelWaitScript(
  client: RedisClient,
  keys: KindKeys,
  input: CancelWaitInput,
): Promise<boolean> {
  const reply = await runScript(client, 'cancel-wait', queueStepKeys(keys), [
    ...queueStepArgs(client, keys, input.nowMs),
    input.ticketId,
  ]);
  const { status, rest } = replyStatus(reply, 'cancel-wait');
  if (status !== 'ok') throw malformedReply('cancel-wait');
  return replyInteger(rest[0], 'cancel-wait') === 1;
}
