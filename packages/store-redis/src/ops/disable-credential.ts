import { ERROR_CODES } from '@qa-broker/contract';
import type { DisableInput, DisableResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { parseStoredRecord, toCredentialRecord } from '../record.js';
import { replyInteger, replyStatus, replyString } from '../reply.js';
import { runScript } from '../scripts.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

/** Runs under the kind the id -> kind lookup named. */
export async function disableCredentialScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
  input: DisableInput,
): Promise<DisableResult> {
  const reply = await runScript(
    client,
    'disable-credential',
    [...queueStepKeys(keys), keys.adminEvents],
    [
      ...queueStepArgs(client, keys, input.nowMs),
      input.credentialId,
      kind,
      input.actorId,
      ERROR_CODES.CREDENTIAL_NOT_FOUND.message,
      ERROR_CODES.LEASE_ACTIVE.message,
    ],
  );
  const { status, rest } = replyStatus(reply, 'disable-credential');
  if (status === 'CREDENTIAL_NOT_FOUND' || status === 'LEASE_ACTIVE')
    return { ok: false, code: status };
  if (status !== 'ok') throw malformedReply('disable-credential');
  const changed = replyInteger(rest[0], 'disable-credential') === 1;
  const stored = parseStoredRecord(replyString(rest[1], 'disable-credential'));
  return { ok: true, changed, credential: toCredentialRecord(input.credentialId, kind, stored) };
}
