import { WAIT_POLICY } from '@qa-broker/contract';
import { nowArgument } from '../clock.js';
import type { KindKeys } from '../keys.js';
import { isCluster, type RedisClient } from '../redis-client.js';

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

/** ARGV[1..4]: now, the step limit, ticketGraceMs and the wake route (`wakeRoute`). */
export function queueStepArgs(
  client: RedisClient,
  keys: KindKeys,
  nowMs: number | undefined,
  stepLimit: number = STEP_LIMIT,
): (string | number)[] {
  return [nowArgument(nowMs), stepLimit, WAIT_POLICY.ticketGraceMs, wakeRoute(client, keys)];
}

/**
 * How a script wakes the broker of a ticket it granted (src/lua/includes/wake-broker.lua):
 * the command, a space, then the channel (or, for PUBLISH, the channel prefix before the
 * brokerId). A single Redis keeps one channel per broker with plain PUBLISH, which Redis
 * 6.2 has. A cluster broadcasts a PUBLISH to every node, so there the kind's own channel
 * takes SPUBLISH (Redis 7.0+): only the shard owning the kind's slot carries it.
 */
export function wakeRoute(client: RedisClient, keys: KindKeys): string {
  return isCluster(client) ? `SPUBLISH ${keys.wakeChannel}` : `PUBLISH ${keys.wakeChannelPrefix}`;
}
