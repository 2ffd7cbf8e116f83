import type { KindPolicyRecord } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parsePolicy } from './policy-record.js';

/** One kind's policy, or undefined when it has none. */
export async function getPolicyScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
): Promise<KindPolicyRecord | undefined> {
  const reply = await runScript(client, 'get-policy', [keys.policy], ['']);
  return parsePolicy(kind, reply, 'get-policy');
}
