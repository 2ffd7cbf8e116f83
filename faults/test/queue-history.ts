import type { AcquireOp } from '../src/history.ts';
import type { HistoryBuilder } from './history-builder.ts';
import { STORE_OFFSET, TTL } from './history-builder.ts';

let nextId = 10_000;

/**
 * Parked-ticket and polling requests for hand-written histories, added to a
 * HistoryBuilder's ops (ids from 10,000 up, apart from the builder's own). One ownerId
 * per ticket, as the waiting clients send them.
 */
export class QueueClient {
  constructor(
    private readonly h: HistoryBuilder,
    readonly ownerId: string,
    private readonly mode: 'parked' | 'polling' = 'parked',
  ) {}

  private push(op: Omit<AcquireOp, 'opId' | 'type' | 'clientId' | 'broker' | 'kind' | 'ownerId'>) {
    const full: AcquireOp = {
      type: 'acquire',
      opId: nextId++,
      clientId: this.ownerId,
      broker: 0,
      kind: 'k',
      ownerId: this.ownerId,
      waitMode: this.mode,
      ...(this.mode === 'parked' ? { priority: 0 } : {}),
      ...op,
    };
    this.h.ops.push(full);
    return full;
  }

  /** A waiting answer (409 POOL_EXHAUSTED with `waiting: true`), or an old client's place. */
  waiting(at: number, answeredAt: number, maxWaitMs = answeredAt - at, position = 1): AcquireOp {
    return this.push({
      invokedAt: at,
      completedAt: answeredAt,
      outcome: 'failed',
      httpStatus: 409,
      code: 'POOL_EXHAUSTED',
      ...(this.mode === 'parked' ? { maxWaitMs } : {}),
      place: { position, queueLength: position, waiting: this.mode === 'parked' },
    });
  }

  /** An unknown outcome: a timeout, or a 5xx answer when `httpStatus` is given. */
  unknown(at: number, answeredAt: number, maxWaitMs = 2_000, httpStatus?: number): AcquireOp {
    return this.push({
      invokedAt: at,
      completedAt: answeredAt,
      outcome: 'unknown',
      ...(httpStatus === undefined
        ? { code: 'TIMEOUT' }
        : { httpStatus, code: 'STORE_UNAVAILABLE' }),
      ...(this.mode === 'parked' ? { maxWaitMs } : {}),
    });
  }

  /** Granted: the store handed it over at `grantedAt` and stamped the lease at `stampedAt`. */
  granted(
    at: number,
    answeredAt: number,
    credentialId: string,
    fencingToken: number,
    times: { grantedAt?: number; stampedAt?: number; maxWaitMs?: number } = {},
  ): AcquireOp {
    const stampedAt = times.stampedAt ?? at;
    const op = this.push({
      invokedAt: at,
      completedAt: answeredAt,
      outcome: 'ok',
      httpStatus: 200,
      ...(this.mode === 'parked' ? { maxWaitMs: times.maxWaitMs ?? 2_000 } : {}),
      grant: {
        credentialId,
        leaseToken: `fake-token-${this.ownerId}`,
        fencingToken,
        expiresAtMs: stampedAt + STORE_OFFSET + TTL,
        leaseTtlMs: TTL,
      },
    });
    this.h.grantEvents.push({
      ownerId: this.ownerId,
      credentialId,
      occurredAtMs: (times.grantedAt ?? at) + STORE_OFFSET,
    });
    return op;
  }
}
