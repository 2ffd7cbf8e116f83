import type { CredentialChangeInput, CredentialChangeResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parseCredentialChange } from './credential-change.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

/** Runs under the kind the id -> kind lookup named; hands the credential on if it is free. */
export async function restoreCredentialScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
  input: CredentialChangeInput,
): Promise<CredentialChangeResult> {
  const reply = await runScript(
    client,
    'restore-credential',
    [...queueStepKeys(keys), keys.adminEvents],
    [...queueStepArgs(client, keys, input.nowMs), input.credentialId, kind, input.actorId],
  );
  return parseCredentialChange(reply, input.credentialId, kind, 'restore-credential');
}
