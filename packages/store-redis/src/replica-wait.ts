import type { Redis } from 'ioredis';
import { StoreError } from '@qa-broker/store';
import { toStoreError } from './errors.js';
import { commandTimeoutOf, serverFor, type RedisClient } from './redis-client.js';

/**
 * Replicas that must confirm a state change before the store answers (WAIT after each
 * state-changing script), per client. 0, the default, answers as soon as the primary has
 * it: a primary lost before its replica caught up (about a replication round trip; more
 * when the replica lags) takes the changes of that window with it, and the replica it
 * fails over to no longer knows of grants the broker acknowledged.
 */
const waitReplicasByClient = new WeakMap<RedisClient, number>();

export function setWaitReplicas(client: RedisClient, replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError('waitReplicas must be a whole number ≥ 0.');
  }
  waitReplicasByClient.set(client, replicas);
}

export function waitReplicasOf(client: RedisClient): number {
  return waitReplicasByClient.get(client) ?? 0;
}

/**
 * Sends `WAIT replicas timeout` on the connection that ran the write (`WAIT` counts the
 * writes sent on its own connection) and fails with STORE_UNAVAILABLE when fewer replicas
 * confirm within `timeoutMs`: the change is on the primary but could still be lost with
 * it, so the caller must treat the outcome as unknown (an unconfirmed grant is never
 * heartbeated and expires; a retried release or heartbeat finds the state as it is).
 */
export async function awaitReplicas(
  server: Redis | undefined,
  replicas: number,
  timeoutMs: number,
  operation: string,
): Promise<void> {
  if (!server) throw notConfirmed(operation, replicas, 'the primary that ran it is unknown');
  let confirmed: unknown;
  try {
    // WAIT 0 would block forever: always at least 1 ms.
    confirmed = await server.wait(replicas, Math.max(1, Math.floor(timeoutMs)));
  } catch (error) {
    throw toStoreError(error, operation);
  }
  if (typeof confirmed !== 'number' || confirmed < replicas) {
    throw notConfirmed(operation, replicas, `${String(confirmed)} confirmed in time`);
  }
}

function notConfirmed(operation: string, replicas: number, detail: string): StoreError {
  return new StoreError(
    'STORE_UNAVAILABLE',
    `Redis did not confirm the ${operation} operation on ${replicas} replica(s) (${detail}); its outcome is unknown: retry shortly.`,
  );
}

/**
 * The same confirmation after a plain write (the registrations on the global slot), with
 * the whole command timeout as its budget.
 */
export async function confirmWrite(
  client: RedisClient,
  key: string,
  operation: string,
): Promise<void> {
  const replicas = waitReplicasOf(client);
  if (replicas === 0) return;
  const timeoutMs = commandTimeoutOf(client) ?? 2_000;
  await awaitReplicas(serverFor(client, key), replicas, timeoutMs / 2, operation);
}
