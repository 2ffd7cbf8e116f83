import type { ReplacePayloadInput } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import type { KindKeys } from '../keys.js';
import { replyInteger } from '../reply.js';
import { runScript } from '../scripts.js';

/** Runs under the kind the id -> kind lookup named. True when the pieces were replaced. */
export async function replacePayloadScript(
  client: RedisClient,
  keys: KindKeys,
  input: ReplacePayloadInput,
): Promise<boolean> {
  if (input.payload.pieces.length === 0) {
    throw new RangeError('A stored payload needs at least one piece.');
  }
  const reply = await runScript(
    client,
    'replace-payload',
    [keys.credentials, keys.payloads],
    [
      input.credentialId,
      input.expectedPieces.length,
      ...input.expectedPieces,
      input.payload.byteLength,
      ...input.payload.pieces,
    ],
  );
  return replyInteger(reply, 'replace-payload') === 1;
}
