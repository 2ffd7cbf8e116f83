/**
 * The history the harness records and the checker reads. Every time is a harness
 * MONOTONIC time in milliseconds (`performance.now()` of the harness process), except the
 * fields named `…AtMs` that come from the broker, which are in the STORE's clock.
 *
 * An operation is written when it is invoked and completed once: `ok` (2xx answer),
 * `failed` (a definite 4xx answer: the store did not change), or `unknown` (5xx answer,
 * timeout, connection reset: the operation may or may not have taken effect, at any
 * moment after `invokedAt`, even after `completedAt`).
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

interface OpBase {
  /** Unique in a history; violations name the operations by it. */
  opId: number;
  /** The simulated client that issued it. */
  clientId: string;
  /** Index of the broker process it was sent to. */
  broker: number;
  invokedAt: number;
  /** Answer received, or the moment the client gave up (timeout, reset). */
  completedAt: number;
  outcome: Outcome;
  httpStatus?: number;
  /** The broker's error code for failed and 5xx answers. */
  code?: string;
}

export interface Grant {
  credentialId: string;
  leaseToken: string;
  fencingToken: number;
  /** Store clock. */
  expiresAtMs: number;
  /** The effective TTL the broker granted. */
  leaseTtlMs: number;
}

export interface AcquireOp extends OpBase {
  type: 'acquire';
  kind: string;
  /** Unique per acquire attempt, so the store's acquire events map back to one operation. */
  ownerId: string;
  /** Present exactly when outcome is ok. */
  grant?: Grant;
  /**
   * Set by the waiting clients (spec/broker-additions.md §1): `parked` sends `wait` with a
   * ticket (one ownerId per ticket, so the ownerId names the ticket); `polling` is an old
   * client that keeps one ownerId while it polls. Absent: the v1 lease workers.
   */
  waitMode?: 'parked' | 'polling';
  /** Parked requests: how long the request could stay open. */
  maxWaitMs?: number;
  /** Parked requests: the ticket's priority (0 for the CI role). */
  priority?: number;
  /** A POOL_EXHAUSTED answer that carried a place in the queue. */
  place?: { position: number; queueLength: number; waiting: boolean };
}

/** Names the lease a heartbeat or release is about. */
export interface LeaseRef {
  credentialId: string;
  leaseToken: string;
  ownerId: string;
}

export interface HeartbeatOp extends OpBase, LeaseRef {
  type: 'heartbeat';
  kind: string;
  leaseTtlMs: number;
  /** Store clock; present when ok. */
  expiresAtMs?: number;
}

export interface ReleaseOp extends OpBase, LeaseRef {
  type: 'release';
  kind: string;
}

export interface RemoveOp extends OpBase {
  type: 'remove';
  credentialId: string;
}

export type Op = AcquireOp | HeartbeatOp | ReleaseOp | RemoveOp;

/** An `acquire` lease event read from the store after the run (store clock). */
export interface GrantEvent {
  ownerId: string;
  credentialId: string;
  occurredAtMs: number;
}

/** What admin/list and a final drain showed once every lease had ended or expired. */
export interface FinalState {
  credentials: {
    credentialId: string;
    kind: string;
    status: 'active' | 'disabled';
    lease?: { expiresAtMs: number };
  }[];
  /** Per kind: every credential acquire handed out until POOL_EXHAUSTED. */
  drained: { kind: string; credentialIds: string[] }[];
  /** The store's clock when the drain began (first drain grant's expiresAtMs - leaseTtlMs). */
  drainStoreNowMs?: number;
}

/** An admin/list answer taken during the run: which owner each credential's lease showed. */
export interface Snapshot {
  /** The list request's invocation and answer (harness clock). */
  invokedAt: number;
  completedAt: number;
  /** Why it was taken, e.g. "after store restart". */
  label: string;
  credentials: { credentialId: string; status: 'active' | 'disabled'; leaseOwnerId?: string }[];
}

/** A window in which the harness broke something (a fault), harness clock. */
export interface Disturbance {
  startedAt: number;
  endedAt: number;
  what: string;
}

export interface History {
  ops: Op[];
  /** The faults' windows: timing rules (hand-off bounds) do not judge inside them. */
  disturbances?: Disturbance[];
  snapshots?: Snapshot[];
  /** Absent when the run could not read the store's events. */
  grantEvents?: GrantEvent[];
  final?: FinalState;
}
