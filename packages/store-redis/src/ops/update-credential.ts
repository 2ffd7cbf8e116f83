import type { CredentialChangeResult, UpdateCredentialInput } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parseCredentialChange } from './credential-change.js';

/** Runs under the kind the id -> kind lookup named. */
export async function updateCredentialScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
  input: UpdateCredentialInput,
): Promise<CredentialChangeResult> {
  const payload = input.payload;
  if (payload && payload.pieces.length === 0) {
    throw new RangeError('A stored payload needs at least one piece.');
  }
  const reply = await runScript(
    client,
    'update-credential',
    [
      keys.credentials,
      keys.payloads,
      keys.updatedActive,
      keys.updatedDisabled,
      keys.sequence,
      keys.adminEvents,
    ],
    [
      nowArgument(input.nowMs),
      input.credentialId,
      kind,
      input.actorId,
      input.note === undefined ? '0' : '1',
      input.note ?? '',
      payload ? '1' : '0',
      payload?.byteLength ?? 0,
      ...(payload?.pieces ?? []),
    ],
  );
  return parseCredentialChange(reply, input.credentialId, kind, 'update-credential');
}
