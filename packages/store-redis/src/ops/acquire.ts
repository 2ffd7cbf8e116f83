import type { AcquireInput, AcquireResult, GrantedLease } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus, replyString } from '../reply.js';
import { runScript } from '../scripts.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

const OP = 'acquire';

/** A grant (v1, queued, delivered now or re-asked): the "ok" reply of lease-reply.lua. */
function parseLease(kind: string, rest: unknown[]): GrantedLease {
  const [
    id,
    acquiredAt,
    expiresAt,
    fence,
    pieceCount,
    byteLength,
    inlinePiece,
    waited,
    sealed,
    maxExpires,
  ] = rest;
  const chunkCount = replyInteger(pieceCount, OP);
  // "" stands for "none" in these slots (Lua arrays cannot hold nil).
  const waitedMs = waited === '' ? undefined : replyInteger(waited, OP);
  const maxExpiresAtMs = maxExpires === '' ? undefined : replyInteger(maxExpires, OP);
  const sealedToken = replyString(sealed, OP);
  return {
    credentialId: replyString(id, OP),
    kind,
    acquiredAtMs: replyInteger(acquiredAt, OP),
    expiresAtMs: replyInteger(expiresAt, OP),
    fencingToken: replyInteger(fence, OP),
    chunkCount,
    byteLength: replyInteger(byteLength, OP),
    ...(chunkCount === 1 ? { inlinePiece: replyString(inlinePiece, OP) } : {}),
    ...(waitedMs !== undefined ? { waitedMs } : {}),
    ...(sealedToken !== '' ? { sealedToken } : {}),
    ...(maxExpiresAtMs !== undefined ? { maxExpiresAtMs } : {}),
  };
}

/** The acquire_failed message of a refusal by quota (the same words the server answers). */
function quotaMessage(kind: string, quota: 'role' | 'owner'): string {
  return `No available credential for kind "${kind}" within its per-${quota} quota.`;
}

function parsePlace(rest: unknown[]): { position: number; queueLength: number } {
  return { position: replyInteger(rest[0], OP), queueLength: replyInteger(rest[1], OP) };
}

export async function acquireScript(
  client: RedisClient,
  keys: KindKeys,
  input: AcquireInput,
  stepLimit?: number,
): Promise<AcquireResult> {
  const wait = input.wait;
  const reply = await runScript(client, 'acquire', queueStepKeys(keys), [
    ...queueStepArgs(client, keys, input.nowMs, stepLimit),
    input.ownerId,
    input.actorRole,
    input.leaseToken,
    input.leaseTtlMs,
    `No available credential for kind "${input.kind}".`,
    wait?.ticketId ?? '',
    wait?.priority ?? 0,
    wait?.brokerId ?? '',
    wait?.sealedToken ?? '',
    wait?.queueMax ?? 0,
    quotaMessage(input.kind, 'role'),
    quotaMessage(input.kind, 'owner'),
  ]);
  const { status, rest } = replyStatus(reply, OP);
  switch (status) {
    case 'ok':
      return { ok: true, lease: parseLease(input.kind, rest) };
    case 'POOL_EXHAUSTED':
      return rest.length === 0
        ? { ok: false, code: 'POOL_EXHAUSTED' }
        : { ok: false, code: 'POOL_EXHAUSTED', queue: parsePlace(rest) };
    case 'POOL_EXHAUSTED_QUOTA': {
      const quota = replyString(rest[0], OP);
      if (quota !== 'role' && quota !== 'owner') throw malformedReply(OP);
      return { ok: false, code: 'POOL_EXHAUSTED', quota };
    }
    case 'WAITING':
      return { ok: false, code: 'WAITING', queue: parsePlace(rest) };
    case 'TICKET_CONFLICT':
    case 'QUEUE_FULL':
      return { ok: false, code: status };
    default:
      throw malformedReply(OP);
  }
}
