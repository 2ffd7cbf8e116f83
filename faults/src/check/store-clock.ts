import type { Op } from '../history.ts';
import { deliveryFloors } from './tickets.ts';
import type { Violation } from './violation.ts';

/**
 * Bounds of (store clock − harness clock). An ok acquire or heartbeat tells the store's
 * time of the operation exactly (expiresAtMs − ttl) and that it lies between the
 * invocation and the answer, so every such operation bounds the offset from both sides.
 */
export interface StoreClock {
  lo: number;
  hi: number;
  loOp?: number;
  hiOp?: number;
}

export function storeClockBounds(ops: Op[]): StoreClock {
  const clock: StoreClock = { lo: -Infinity, hi: Infinity };
  // A ticket's re-ask may return a lease stamped during an earlier request.
  const floors = deliveryFloors(ops);
  for (const op of ops) {
    if (op.outcome !== 'ok') continue;
    let storeTime: number | undefined;
    if (op.type === 'acquire' && op.grant) storeTime = op.grant.expiresAtMs - op.grant.leaseTtlMs;
    if (op.type === 'heartbeat' && op.expiresAtMs !== undefined)
      storeTime = op.expiresAtMs - op.leaseTtlMs;
    if (storeTime === undefined) continue;
    if (storeTime - op.completedAt > clock.lo) {
      clock.lo = storeTime - op.completedAt;
      clock.loOp = op.opId;
    }
    const from = floors.get(op.opId) ?? op.invokedAt;
    if (storeTime - from < clock.hi) {
      clock.hi = storeTime - from;
      clock.hiOp = op.opId;
    }
  }
  return clock;
}

export function checkStoreClock(clock: StoreClock, toleranceMs: number): Violation[] {
  if (clock.lo <= clock.hi + toleranceMs) return [];
  return [
    {
      rule: 'store-clock-inconsistent',
      opIds: [clock.loOp, clock.hiOp].filter((id): id is number => id !== undefined),
      message:
        `lease times need a store clock at least ${Math.round(clock.lo - clock.hi)} ms apart ` +
        'between two operations: a broker computed lease times from its own clock',
    },
  ];
}

/** The earliest harness time a store-clock instant can correspond to. */
export function earliestHarnessTime(clock: StoreClock, storeTimeMs: number): number {
  return storeTimeMs - clock.hi;
}
