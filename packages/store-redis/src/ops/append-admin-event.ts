import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import type { GlobalKeys } from '../keys.js';
import { replyInteger } from '../reply.js';
import { runScript } from '../scripts.js';

/** An admin event that belongs to no kind; never carries a payload or a token. */
export interface KindlessAdminEvent {
  eventType: 'disable_failed';
  actorId: string;
  credentialId: string;
  code: string;
  message: string;
  nowMs?: number;
}

/** Returns occurredAtMs. */
export async function appendAdminEventScript(
  client: RedisClient,
  keys: GlobalKeys,
  event: KindlessAdminEvent,
): Promise<number> {
  const reply = await runScript(
    client,
    'append-admin-event',
    [keys.adminEvents, keys.eventSequence],
    [
      nowArgument(event.nowMs),
      'eventType',
      event.eventType,
      'actorId',
      event.actorId,
      'credentialId',
      event.credentialId,
      'code',
      event.code,
      'message',
      event.message,
    ],
  );
  return replyInteger(reply, 'append-admin-event');
}
