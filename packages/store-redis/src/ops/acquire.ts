import type { AcquireInput, AcquireResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus, replyString } from '../reply.js';
import { runScript } from '../scripts.js';

export async function acquireScript(
  client: RedisClient,
  keys: KindKeys,
  input: AcquireInput,
  reclaimLimit: number,
): Promise<AcquireResult> {
  const reply = await runScript(
    client,
    'acquire',
    [
      keys.free,
      keys.leases,
      keys.credentials,
      keys.payloads,
      keys.updatedActive,
      keys.leaseEvents,
      keys.sequence,
    ],
    [
      nowArgument(input.nowMs),
      input.ownerId,
      input.actorRole,
      input.leaseToken,
      input.leaseTtlMs,
      reclaimLimit,
      `No available credential for kind "${input.kind}".`,
    ],
  );
  const { status, rest } = replyStatus(reply, 'acquire');
  if (status === 'POOL_EXHAUSTED') return { ok: false, code: 'POOL_EXHAUSTED' };
  if (status !== 'ok') throw malformedReply('acquire');
  const [id, acquiredAt, expiresAt, fence, pieceCount, byteLength, inlinePiece] = rest;
  const chunkCount = replyInteger(pieceCount, 'acquire');
  return {
    ok: true,
    lease: {
      credentialId: replyString(id, 'acquire'),
      kind: input.kind,
      acquiredAtMs: replyInteger(acquiredAt, 'acquire'),
      expiresAtMs: replyInteger(expiresAt, 'acquire'),
      fencingToken: replyInteger(fence, 'acquire'),
      chunkCount,
      byteLength: replyInteger(byteLength, 'acquire'),
      ...(chunkCount === 1 ? { inlinePiece: replyString(inlinePiece, 'acquire') } : {}),
    },
  };
}
