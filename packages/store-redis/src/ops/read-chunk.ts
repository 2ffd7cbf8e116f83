import type { ReadChunkInput, ReadChunkResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus, replyString } from '../reply.js';
import { runScript } from '../scripts.js';
import { ABSENT_IN_KIND, type AbsentInKind } from './absent.js';

const FAILURES = [
  'CREDENTIAL_DISABLED',
  'LEASE_NOT_FOUND',
  'LEASE_NOT_OWNER',
  'AUTH_ROLE_MISMATCH',
  'PAYLOAD_NOT_CHUNKED',
  'INVALID_CHUNK_INDEX',
] as const;

export async function readChunkScript(
  client: RedisClient,
  keys: KindKeys,
  input: ReadChunkInput,
): Promise<ReadChunkResult | AbsentInKind> {
  const reply = await runScript(
    client,
    'read-chunk',
    [keys.credentials, keys.payloads],
    [
      nowArgument(input.nowMs),
      input.credentialId,
      input.ownerId,
      input.leaseToken,
      input.actorRole,
      input.index,
    ],
  );
  const { status, rest } = replyStatus(reply, 'read-chunk');
  if (status === 'ok') {
    const [piece, index, chunkCount] = rest;
    return {
      ok: true,
      piece: replyString(piece, 'read-chunk'),
      index: replyInteger(index, 'read-chunk'),
      chunkCount: replyInteger(chunkCount, 'read-chunk'),
    };
  }
  if (status === 'ABSENT') return ABSENT_IN_KIND;
  const code = FAILURES.find((failure) => failure === status);
  if (!code) throw malformedReply('read-chunk');
  return { ok: false, code };
}
