import type { CredentialRecord } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parseCredentialEntries } from './credential-entries.js';

/** Reads credentials of one kind by id; ids without a record are left out. */
export async function readCredentialsScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
  credentialIds: readonly string[],
  includePayload: boolean,
): Promise<CredentialRecord[]> {
  if (credentialIds.length === 0) return [];
  const reply = await runScript(
    client,
    'read-credentials',
    [keys.credentials, keys.payloads],
    [includePayload ? '1' : '0', ...credentialIds],
  );
  return parseCredentialEntries(reply, kind, includePayload, 'read-credentials');
}
