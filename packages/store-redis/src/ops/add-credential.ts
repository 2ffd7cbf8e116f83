import type { AddCredentialInput, CredentialRecord } from '@qa-broker/store';
import { StoreError } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { parseStoredRecord, toCredentialRecord } from '../record.js';
import { replyStatus, replyString } from '../reply.js';
import { runScript } from '../scripts.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

/**
 * Runs after the id -> kind lookup was written (see `registerCredential`). An active
 * credential goes to the head waiter at once, if the kind's queue holds one.
 */
export async function addCredentialScript(
  client: RedisClient,
  keys: KindKeys,
  input: AddCredentialInput,
): Promise<CredentialRecord> {
  if (input.payload.pieces.length === 0) {
    throw new RangeError('A stored payload needs at least one piece.');
  }
  const reply = await runScript(
    client,
    'add-credential',
    [...queueStepKeys(keys), keys.adminEvents],
    [
      ...queueStepArgs(client, keys, input.nowMs),
      input.credentialId,
      input.kind,
      input.status,
      input.actorId,
      input.note ?? '',
      input.payload.byteLength,
      ...input.payload.pieces,
    ],
  );
  const { status, rest } = replyStatus(reply, 'add-credential');
  if (status === 'DUPLICATE_ID') {
    throw new StoreError('INTERNAL_ERROR', 'A credential with this id already exists.');
  }
  if (status !== 'ok') throw malformedReply('add-credential');
  const stored = parseStoredRecord(replyString(rest[0], 'add-credential'));
  return toCredentialRecord(input.credentialId, input.kind, stored);
}
