import { WAIT_POLICY } from '@qa-broker/contract';
import { nowArgument } from '../clock.js';
import type { KindKeys } from '../keys.js';

/**
 * The KEYS[1..17] and ARGV[1..4] every queue-aware script shares (src/lua/includes/
 * kind-context.lua reads them by position): one place builds them, so the scripts and
 * their wrappers cannot drift apart.
 */
export function queueStepKeys(keys: KindKeys): string[] {
  return [
    keys.credentials,
    keys.payloads,
    keys.free,
    keys.leases,
    keys.updatedActive,
    keys.updatedDisabled,
    keys.leaseEvents,
    keys.sequence,
    keys.waiters,
    keys.waiting,
    keys.waiterDeadlines,
    keys.ticketDeadlines,
    keys.ticketGrants,
    keys.reservations,
    keys.policy,
    keys.leaseCounts,
    keys.quarantined,
  ];
}

/** Expired leases one step reclaims, and queue entries it examines, at most. */
export const STEP_LIMIT = WAIT_POLICY.scanLimit;

/** ARGV[1..4]: now, the step limit, ticketGraceMs and the wake channel prefix. */
export function queueStepArgs(
  keys: KindKeys,
  nowMs: number | undefined,
  stepLimit: number = STEP_LIMIT,
): (string | number)[] {
  return [nowArgument(nowMs), stepLimit, WAIT_POLICY.ticketGraceMs, keys.wakeChannelPrefix];
}
