import type { CredentialRecord } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parseCredentialEntries } from './credential-entries.js';

/** One bounded page of one kind and status, in list order (updatedAtMs desc, id asc). */
export async function listKindPageScript(
  client: RedisClient,
  keys: KindKeys,
  page: {
    kind: string;
    status: 'active' | 'disabled';
    offset: number;
    size: number;
    includePayload: boolean;
    /** Resume after this place in the zset (updatedAtMs, credentialId). */
    after?: { updatedAtMs: number; credentialId: string };
  },
): Promise<CredentialRecord[]> {
  const reply = await runScript(
    client,
    'list-kind-page',
    [
      page.status === 'active' ? keys.updatedActive : keys.updatedDisabled,
      keys.credentials,
      keys.payloads,
    ],
    [
      page.offset,
      page.size,
      page.includePayload ? '1' : '0',
      ...(page.after ? [String(-page.after.updatedAtMs), page.after.credentialId] : []),
    ],
  );
  return parseCredentialEntries(reply, page.kind, page.includePayload, 'list-kind-page');
}
