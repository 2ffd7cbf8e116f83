import { callBroker } from './broker-call.ts';
import type { AcquireOp, Grant, HeartbeatOp, ReleaseOp } from './history.ts';
import type { RunContext } from './run-context.ts';
import { FAKE_SECRETS, anyBroker } from './run-context.ts';
import { sleep } from './sleep.ts';

export interface HeldLease {
  kind: string;
  ownerId: string;
  grant: Grant;
  /** Invocation of the last operation that certainly extended it (harness clock). */
  extendedAt: number;
  ttlMs: number;
}

export async function acquire(
  ctx: RunContext,
  clientId: string,
  ownerId: string,
  kind: string,
  ttlMs: number,
): Promise<HeldLease | 'exhausted' | 'failed'> {
  const broker = anyBroker(ctx);
  const op = ctx.recorder.invoke<AcquireOp>({
    type: 'acquire',
    clientId,
    broker: broker.index,
    kind,
    ownerId,
  });
  const result = await callBroker(
    ctx.dispatcher,
    broker.url,
    'acquire',
    FAKE_SECRETS.ci,
    {
      kind,
      ownerId,
      actorRole: 'ci',
      leaseTtlMs: ttlMs,
      heartbeatIntervalMs: Math.max(200, Math.floor(ttlMs / 3)),
    },
    ctx.requestTimeoutMs,
  );
  const body = result.body ?? {};
  const grant =
    result.outcome === 'ok'
      ? {
          credentialId: String(body.credentialId),
          leaseToken: String(body.leaseToken),
          fencingToken: Number(body.fencingToken),
          expiresAtMs: Number(body.expiresAtMs),
          leaseTtlMs: Number(body.leaseTtlMs),
        }
      : undefined;
  const done = op.complete({
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    code: result.code,
    grant,
  });
  if (grant) return { kind, ownerId, grant, extendedAt: done.invokedAt, ttlMs: grant.leaseTtlMs };
  return result.code === 'POOL_EXHAUSTED' ? 'exhausted' : 'failed';
}

export async function heartbeat(ctx: RunContext, clientId: string, lease: HeldLease) {
  const broker = anyBroker(ctx);
  const { credentialId, leaseToken } = lease.grant;
  const ref = {
    clientId,
    broker: broker.index,
    kind: lease.kind,
    credentialId,
    leaseToken,
    ownerId: lease.ownerId,
  };
  const op = ctx.recorder.invoke<HeartbeatOp>({
    type: 'heartbeat',
    ...ref,
    leaseTtlMs: lease.ttlMs,
  });
  const result = await callBroker(
    ctx.dispatcher,
    broker.url,
    'heartbeat',
    FAKE_SECRETS.ci,
    {
      kind: lease.kind,
      ownerId: lease.ownerId,
      actorRole: 'ci',
      credentialId,
      leaseToken,
      leaseTtlMs: lease.ttlMs,
    },
    // A heartbeat answered after half the TTL is nearly useless: give up on it and retry.
    Math.min(ctx.requestTimeoutMs, Math.floor(lease.ttlMs / 2)),
  );
  const expiresAtMs = result.outcome === 'ok' ? Number(result.body?.expiresAtMs) : undefined;
  return op.complete({
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    code: result.code,
    expiresAtMs,
  });
}

/** `broken` sends `outcome: "broken"`: the holder reports the credential (spec additions §2). */
export async function release(ctx: RunContext, clientId: string, lease: HeldLease, broken = false) {
  const broker = anyBroker(ctx);
  const { credentialId, leaseToken } = lease.grant;
  const ref = {
    clientId,
    broker: broker.index,
    kind: lease.kind,
    credentialId,
    leaseToken,
    ownerId: lease.ownerId,
  };
  const op = ctx.recorder.invoke<ReleaseOp>({
    type: 'release',
    ...ref,
    ...(broken ? { broken: true } : {}),
  });
  const result = await callBroker(
    ctx.dispatcher,
    broker.url,
    'release',
    FAKE_SECRETS.ci,
    {
      kind: lease.kind,
      ownerId: lease.ownerId,
      actorRole: 'ci',
      credentialId,
      leaseToken,
      ...(broken ? { outcome: 'broken', reason: 'fault harness: pretend it stopped working' } : {}),
    },
    ctx.requestTimeoutMs,
  );
  return op.complete({ outcome: result.outcome, httpStatus: result.httpStatus, code: result.code });
}

/**
 * Holds a lease for a random time, heartbeating at a third of its TTL through random
 * brokers, and stops holding as soon as a heartbeat is refused or the lease may have
 * expired (nothing certainly extended it within a TTL).
 */
export async function hold(ctx: RunContext, clientId: string, lease: HeldLease): Promise<void> {
  const holdUntil = ctx.recorder.now() + ctx.random.int(0, Math.floor(1.5 * lease.ttlMs));
  while (!ctx.signal.aborted && ctx.recorder.now() < holdUntil) {
    await sleep(Math.floor(lease.ttlMs / 3) + ctx.random.int(-100, 100), ctx.signal);
    if (ctx.signal.aborted || ctx.recorder.now() >= holdUntil) break;
    const beat = await heartbeat(ctx, clientId, lease);
    if (beat.outcome === 'ok') lease.extendedAt = beat.invokedAt;
    if (beat.outcome === 'failed') return;
    if (ctx.recorder.now() > lease.extendedAt + lease.ttlMs) return;
  }
}

/**
 * One simulated client: acquire → hold (heartbeats) → release, with random timing, until
 * the run stops. Each acquire attempt has its own ownerId so the store's events name it.
 * Now and then it replays its old token afterwards: a stale heartbeat and release that a
 * correct broker must refuse once someone else holds the credential.
 */
export async function leaseWorker(ctx: RunContext, clientId: string): Promise<void> {
  let attempt = 0;
  while (!ctx.signal.aborted) {
    const kind = ctx.random.pick(ctx.kinds);
    const ownerId = `${ctx.runId}-${clientId}-${attempt++}`;
    const ttlMs = ctx.random.int(ctx.leaseTtlMs.min, ctx.leaseTtlMs.max);
    const lease = await acquire(ctx, clientId, ownerId, kind, ttlMs);
    if (lease === 'exhausted' || lease === 'failed') {
      await sleep(ctx.random.int(lease === 'exhausted' ? 50 : 100, 400), ctx.signal);
      continue;
    }
    try {
      await hold(ctx, clientId, lease);
    } finally {
      // Release in `finally`, retried on an unknown outcome: it is idempotent.
      for (let tries = 0; tries < 3; tries++) {
        const released = await release(ctx, clientId, lease);
        if (released.outcome !== 'unknown') break;
      }
    }
    if (ctx.random.next() < 0.25 && !ctx.signal.aborted) {
      await sleep(ctx.random.int(0, lease.ttlMs), ctx.signal);
      await heartbeat(ctx, clientId, lease);
      await release(ctx, clientId, lease);
    }
  }
}
