import type {
  AcquireOp,
  GrantEvent,
  HeartbeatOp,
  History,
  Op,
  ReleaseOp,
  RemoveOp,
} from '../src/history.ts';

/**
 * Builds hand-written histories for the checker's tests. The store clock is the harness
 * clock plus `STORE_OFFSET`, and every operation takes effect at its invocation, unless a
 * test says otherwise.
 */
export const STORE_OFFSET = 1_000_000;
export const TTL = 3_000;

export class HistoryBuilder {
  readonly ops: Op[] = [];
  readonly grantEvents: GrantEvent[] = [];
  private nextId = 1;

  acquire(
    at: number,
    answeredAt: number,
    credentialId: string,
    fencingToken: number,
    extra: Partial<AcquireOp> & { storeAt?: number } = {},
  ): AcquireOp {
    const opId = this.nextId++;
    const ownerId = `owner-${opId}`;
    const storeAt = extra.storeAt ?? at;
    const op: AcquireOp = {
      type: 'acquire',
      opId,
      clientId: 'c1',
      broker: 0,
      kind: 'k',
      ownerId,
      invokedAt: at,
      completedAt: answeredAt,
      outcome: 'ok',
      httpStatus: 200,
      grant: {
        credentialId,
        leaseToken: `fake-token-${opId}`,
        fencingToken,
        expiresAtMs: storeAt + STORE_OFFSET + TTL,
        leaseTtlMs: TTL,
      },
      ...extra,
    };
    this.ops.push(op);
    if (op.outcome === 'ok')
      this.grantEvents.push({ ownerId, credentialId, occurredAtMs: storeAt + STORE_OFFSET });
    return op;
  }

  failedAcquire(
    at: number,
    answeredAt: number,
    code = 'POOL_EXHAUSTED',
    httpStatus = 409,
  ): AcquireOp {
    const opId = this.nextId++;
    const op: AcquireOp = {
      type: 'acquire',
      opId,
      clientId: 'c1',
      broker: 0,
      kind: 'k',
      ownerId: `owner-${opId}`,
      invokedAt: at,
      completedAt: answeredAt,
      outcome: httpStatus >= 500 ? 'unknown' : 'failed',
      httpStatus,
      code,
    };
    this.ops.push(op);
    return op;
  }

  heartbeat(
    lease: AcquireOp,
    at: number,
    answeredAt: number,
    outcome: HeartbeatOp['outcome'] = 'ok',
    code?: string,
  ): HeartbeatOp {
    const grant = lease.grant!;
    const op: HeartbeatOp = {
      type: 'heartbeat',
      opId: this.nextId++,
      clientId: 'c1',
      broker: 0,
      kind: 'k',
      credentialId: grant.credentialId,
      leaseToken: grant.leaseToken,
      ownerId: lease.ownerId,
      leaseTtlMs: TTL,
      invokedAt: at,
      completedAt: answeredAt,
      outcome,
      ...(code ? { code } : {}),
      ...(outcome === 'ok' ? { expiresAtMs: at + STORE_OFFSET + TTL } : {}),
    };
    this.ops.push(op);
    return op;
  }

  release(
    lease: AcquireOp,
    at: number,
    answeredAt: number,
    outcome: ReleaseOp['outcome'] = 'ok',
  ): ReleaseOp {
    const grant = lease.grant!;
    const op: ReleaseOp = {
      type: 'release',
      opId: this.nextId++,
      clientId: 'c1',
      broker: 0,
      kind: 'k',
      credentialId: grant.credentialId,
      leaseToken: grant.leaseToken,
      ownerId: lease.ownerId,
      invokedAt: at,
      completedAt: answeredAt,
      outcome,
    };
    this.ops.push(op);
    return op;
  }

  remove(
    credentialId: string,
    at: number,
    answeredAt: number,
    outcome: RemoveOp['outcome'] = 'ok',
  ): RemoveOp {
    const op: RemoveOp = {
      type: 'remove',
      opId: this.nextId++,
      clientId: 'admin',
      broker: 0,
      credentialId,
      invokedAt: at,
      completedAt: answeredAt,
      outcome,
    };
    this.ops.push(op);
    return op;
  }

  history(extra: Partial<History> = {}): History {
    return { ops: this.ops, grantEvents: this.grantEvents, ...extra };
  }
}
