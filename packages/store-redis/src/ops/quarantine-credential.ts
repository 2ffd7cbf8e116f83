import type { CredentialChangeResult, QuarantineInput } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parseCredentialChange } from './credential-change.js';

/** Runs under the kind the id -> kind lookup named. */
export async function quarantineCredentialScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
  input: QuarantineInput,
): Promise<CredentialChangeResult> {
  const reply = await runScript(
    client,
    'quarantine-credential',
    [
      keys.credentials,
      keys.free,
      keys.updatedActive,
      keys.updatedDisabled,
      keys.sequence,
      keys.adminEvents,
      keys.quarantined,
    ],
    [nowArgument(input.nowMs), input.credentialId, kind, input.actorId, input.reason ?? ''],
  );
  return parseCredentialChange(reply, input.credentialId, kind, 'quarantine-credential');
}
