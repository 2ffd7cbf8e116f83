import { WAIT_POLICY } from '@qa-broker/contract';
import type { AcquireInput, AcquireResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { toWakeups, type WakeColumns, type Wakeup } from './wake-rows.js';

interface QueueAcquireRow extends WakeColumns {
  o_code: 'OK' | 'WAITING' | 'POOL_EXHAUSTED' | 'TICKET_CONFLICT' | 'QUEUE_FULL';
  o_credential_id: string | null;
  o_acquired_at_ms: unknown;
  o_expires_at_ms: unknown;
  o_fence: unknown;
  o_chunk_count: number | null;
  o_byte_length: unknown;
  o_inline_piece: string | null;
  o_waited_ms: unknown;
  o_sealed_token: string | null;
  o_position: number | null;
  o_queue_length: number | null;
  o_quota: 'role' | 'owner' | null;
  o_max_expires_at_ms: unknown;
}

/**
 * The queued acquire, one call of queue_acquire (migration 0002, redefined by 0004 with
 * quotas, maxHoldMs and pinned payload versions), which takes the kind's
 * queue lock exclusive, sweeps, enqueues or refreshes, dispatches and delivers in one
 * transaction. $1 kind, $2 ownerId, $3 actorRole, $4 leaseToken, $5 leaseTtlMs, $6 nowMs,
 * $7 ticketId (null = an old client), $8 priority, $9 brokerId, $10 sealedToken,
 * $11 queueMax, $12 ticketGraceMs, $13 scanLimit.
 */
export function queueAcquireQuery(schema: QuotedSchema) {
  const text = `select * from ${schema}.queue_acquire($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

  return async (
    db: Queryable,
    input: AcquireInput,
  ): Promise<{ result: AcquireResult; wakeups: Wakeup[] }> => {
    const { rows } = await db.query<QueueAcquireRow>(text, [
      input.kind,
      input.ownerId,
      input.actorRole,
      input.leaseToken,
      input.leaseTtlMs,
      input.nowMs ?? null,
      input.wait?.ticketId ?? null,
      input.wait?.priority ?? 0,
      input.wait?.brokerId ?? null,
      input.wait?.sealedToken ?? null,
      input.wait?.queueMax ?? WAIT_POLICY.queueMax,
      WAIT_POLICY.ticketGraceMs,
      WAIT_POLICY.scanLimit,
    ]);
    const row = rows[0];
    if (!row) throw new Error('queue_acquire returned no row');
    return { result: toResult(row, input.kind), wakeups: toWakeups(row) };
  };
}

function toResult(row: QueueAcquireRow, kind: string): AcquireResult {
  const queue =
    row.o_position !== null && row.o_queue_length !== null
      ? { position: row.o_position, queueLength: row.o_queue_length }
      : undefined;
  switch (row.o_code) {
    case 'OK':
      break;
    case 'WAITING':
      if (!queue) throw new Error('queue_acquire answered WAITING without a place');
      return { ok: false, code: 'WAITING', queue };
    case 'POOL_EXHAUSTED':
      if (queue) return { ok: false, code: 'POOL_EXHAUSTED', queue };
      return row.o_quota !== null
        ? { ok: false, code: 'POOL_EXHAUSTED', quota: row.o_quota }
        : { ok: false, code: row.o_code };
    case 'TICKET_CONFLICT':
    case 'QUEUE_FULL':
      return { ok: false, code: row.o_code };
  }
  if (row.o_credential_id === null || row.o_chunk_count === null)
    throw new Error('queue_acquire answered OK without a lease');
  return {
    ok: true,
    lease: {
      credentialId: row.o_credential_id,
      kind,
      acquiredAtMs: toNumber(row.o_acquired_at_ms),
      expiresAtMs: toNumber(row.o_expires_at_ms),
      fencingToken: toNumber(row.o_fence),
      chunkCount: row.o_chunk_count,
      byteLength: toNumber(row.o_byte_length),
      ...(row.o_inline_piece !== null ? { inlinePiece: row.o_inline_piece } : {}),
      ...(row.o_waited_ms !== null ? { waitedMs: toNumber(row.o_waited_ms) } : {}),
      ...(row.o_max_expires_at_ms !== null
        ? { maxExpiresAtMs: toNumber(row.o_max_expires_at_ms) }
        : {}),
      ...(row.o_sealed_token !== null ? { sealedToken: row.o_sealed_token } : {}),
    },
  };
}
