import { StoreError } from '@qa-broker/store';
import type { RedisClient } from './redis-client.js';
import { malformedReply, toStoreError } from './errors.js';
import type { GlobalKeys, KindKeys } from './keys.js';
import { replyStrings } from './reply.js';
import { confirmWrite } from './replica-wait.js';

/**
 * The global id -> kind lookup. It is written once, before the add script, and never
 * changed (a credential's kind is immutable), so reading it outside a kind's script is
 * safe: at worst it names a kind whose add has not completed, and the kind's script then
 * finds no record, which every caller treats as "not found".
 */
export async function registerCredential(
  client: RedisClient,
  keys: GlobalKeys,
  credentialId: string,
  kind: string,
): Promise<void> {
  let registeredKind: unknown;
  try {
    const replies = await client
      .multi()
      .hsetnx(keys.credentialKinds, credentialId, kind)
      .zadd(keys.credentialIds, 'NX', 0, credentialId)
      .zadd(keys.kinds, 'NX', 0, kind)
      .hget(keys.credentialKinds, credentialId)
      .exec();
    const last = replies?.[3];
    if (!last || last[0]) throw last?.[0] ?? new Error('The registration transaction was aborted.');
    registeredKind = last[1];
  } catch (error) {
    throw toStoreError(error, 'add-credential');
  }
  await confirmWrite(client, keys.credentialKinds, 'add-credential');
  if (registeredKind !== kind) {
    throw new StoreError(
      'INTERNAL_ERROR',
      'This credential id is already registered under another kind.',
    );
  }
}

/** Makes a kind visible to listings, stats and retention (idempotent). */
export async function registerKind(
  client: RedisClient,
  keys: GlobalKeys,
  kind: string,
): Promise<void> {
  try {
    await client.zadd(keys.kinds, 'NX', 0, kind);
  } catch (error) {
    throw toStoreError(error, 'register-kind');
  }
  await confirmWrite(client, keys.kinds, 'register-kind');
}

export async function lookupKind(
  client: RedisClient,
  keys: GlobalKeys,
  credentialId: string,
): Promise<string | undefined> {
  let kind: unknown;
  try {
    kind = await client.hget(keys.credentialKinds, credentialId);
  } catch (error) {
    throw toStoreError(error, 'lookup');
  }
  if (kind === null) return undefined;
  if (typeof kind !== 'string') throw malformedReply('lookup');
  return kind;
}

/** True when a record exists under that kind (records are never deleted). */
export async function credentialExists(
  client: RedisClient,
  keys: KindKeys,
  credentialId: string,
): Promise<boolean> {
  try {
    return (await client.hexists(keys.credentials, credentialId)) === 1;
  } catch (error) {
    throw toStoreError(error, 'lookup');
  }
}

/**
 * Lists a kind as having a policy (idempotent). Written before the set-policy script, like
 * the credential lookup before an add: a kind listed whose script never ran has no policy
 * hash, and getPolicies leaves it out.
 */
export async function registerPolicyKind(
  client: RedisClient,
  keys: GlobalKeys,
  kind: string,
): Promise<void> {
  try {
    await client.zadd(keys.policyKinds, 'NX', 0, kind);
  } catch (error) {
    throw toStoreError(error, 'register-policy-kind');
  }
  await confirmWrite(client, keys.policyKinds, 'register-policy-kind');
}

/** Every registered kind, in code-point (byte) order, read in bounded pages. */
export async function listKinds(client: RedisClient, keys: GlobalKeys): Promise<string[]> {
  return listKindRegistry(client, keys.kinds);
}

/** Every kind that has a policy, in code-point (byte) order. */
export async function listPolicyKinds(client: RedisClient, keys: GlobalKeys): Promise<string[]> {
  return listKindRegistry(client, keys.policyKinds);
}

/** A registry zset of kinds (scores 0), read in bounded pages. */
async function listKindRegistry(client: RedisClient, registry: string): Promise<string[]> {
  const kinds: string[] = [];
  const pageSize = 500;
  let start = '-';
  for (;;) {
    let reply: unknown;
    try {
      reply = await client.zrangebylex(registry, start, '+', 'LIMIT', 0, pageSize);
    } catch (error) {
      throw toStoreError(error, 'list-kinds');
    }
    const page = replyStrings(reply, 'list-kinds');
    kinds.push(...page);
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return kinds;
    start = `(${last}`;
  }
}
