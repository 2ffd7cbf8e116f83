import { randomUUID } from 'node:crypto';
import { callBroker } from './broker-call.ts';
import type { CallResult } from './broker-call.ts';
import type { AcquireOp, Grant, ReleaseOp } from './history.ts';
import type { RunContext } from './run-context.ts';
import { FAKE_SECRETS, anyBroker } from './run-context.ts';
import { sleep } from './sleep.ts';

/*
 * Clients of the fair wait queue (spec/broker-additions.md §1), on kinds of their own so
 * the checker can judge FIFO order and idle credentials without the v1 lease workers'
 * one-shot owners (each of which would leave an implicit place behind for 5 s).
 *
 * - parked: acquire with `wait` (a fresh random ticket per lease, its own ownerId), each
 *   request to a random broker, re-asked at once with the same ticket after a waiting
 *   answer and after an unknown outcome (a delivered grant whose answer was lost is
 *   handed back on the re-ask);
 * - polling: an old client (no `wait`) that keeps one ownerId per lease and polls after
 *   the `retryAfterMs` it was given, as spec §1 "Old clients" expects.
 * Both hold briefly (well inside the TTL, so no heartbeats) and release, retried on an
 * unknown outcome.
 */

/** Parked requests stay open this long at most: short, so re-asks cross brokers often. */
const MAX_WAIT_MS = { min: 300, max: 1_500 };
const HOLD_MS = { min: 100, max: 900 };

function grantOf(result: CallResult): Grant | undefined {
  if (result.outcome !== 'ok') return undefined;
  const body = result.body ?? {};
  return {
    credentialId: String(body.credentialId),
    leaseToken: String(body.leaseToken),
    fencingToken: Number(body.fencingToken),
    expiresAtMs: Number(body.expiresAtMs),
    leaseTtlMs: Number(body.leaseTtlMs),
  };
}

function placeOf(result: CallResult): AcquireOp['place'] {
  const body = result.body;
  if (result.code !== 'POOL_EXHAUSTED' || body === undefined) return undefined;
  if (typeof body.position !== 'number' || typeof body.queueLength !== 'number') return undefined;
  return { position: body.position, queueLength: body.queueLength, waiting: body.waiting === true };
}

interface Held {
  kind: string;
  ownerId: string;
  grant: Grant;
}

/** One acquire request, recorded; parked when `wait` is given. */
async function ask(
  ctx: RunContext,
  clientId: string,
  kind: string,
  ownerId: string,
  ttlMs: number,
  wait?: { ticket: string; maxWaitMs: number },
): Promise<{ op: AcquireOp; result: CallResult }> {
  const broker = anyBroker(ctx);
  const invocation = {
    type: 'acquire' as const,
    clientId,
    broker: broker.index,
    kind,
    ownerId,
    waitMode: wait === undefined ? ('polling' as const) : ('parked' as const),
    ...(wait === undefined ? {} : { maxWaitMs: wait.maxWaitMs, priority: 0 }),
  };
  const op = ctx.recorder.invoke<AcquireOp>(invocation);
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
      ...(wait === undefined ? {} : { wait }),
    },
    // The client's own timeout must exceed maxWaitMs (spec §1); 8 s > 1.5 s + 2 s.
    ctx.requestTimeoutMs,
    ctx.signal,
  );
  const grant = grantOf(result);
  const place = placeOf(result);
  const done = op.complete({
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    code: result.code,
    ...(grant ? { grant } : {}),
    ...(place ? { place } : {}),
  });
  return { op: done, result };
}

async function holdAndRelease(ctx: RunContext, clientId: string, held: Held): Promise<void> {
  await sleep(ctx.random.int(HOLD_MS.min, HOLD_MS.max), ctx.signal);
  const { credentialId, leaseToken } = held.grant;
  for (let tries = 0; tries < 3; tries++) {
    const broker = anyBroker(ctx);
    const op = ctx.recorder.invoke<ReleaseOp>({
      type: 'release',
      clientId,
      broker: broker.index,
      kind: held.kind,
      credentialId,
      leaseToken,
      ownerId: held.ownerId,
    });
    const result = await callBroker(
      ctx.dispatcher,
      broker.url,
      'release',
      FAKE_SECRETS.ci,
      { kind: held.kind, ownerId: held.ownerId, actorRole: 'ci', credentialId, leaseToken },
      ctx.requestTimeoutMs,
    );
    op.complete({ outcome: result.outcome, httpStatus: result.httpStatus, code: result.code });
    if (result.outcome !== 'unknown') return;
  }
}

/**
 * Waits with a ticket until granted (or the run stops), re-asking as the spec says. Half
 * the tickets first join with `maxWaitMs: 0` (answered at once with their place), which
 * pins down when they joined.
 */
async function waitParked(
  ctx: RunContext,
  clientId: string,
  kind: string,
  ownerId: string,
): Promise<Held | undefined> {
  const ticket = `fake-ticket-${randomUUID()}`;
  const ttlMs = ctx.random.int(ctx.leaseTtlMs.min, ctx.leaseTtlMs.max);
  let maxWaitMs = ctx.random.next() < 0.5 ? 0 : ctx.random.int(MAX_WAIT_MS.min, MAX_WAIT_MS.max);
  while (!ctx.signal.aborted) {
    const { op, result } = await ask(ctx, clientId, kind, ownerId, ttlMs, { ticket, maxWaitMs });
    if (op.grant) return { kind, ownerId, grant: op.grant };
    maxWaitMs = ctx.random.int(MAX_WAIT_MS.min, MAX_WAIT_MS.max);
    // Waiting, or unknown without an answer (the grant may be ours): re-ask at once.
    if (op.place?.waiting || (result.outcome === 'unknown' && result.httpStatus === undefined))
      continue;
    // The broker is down (another one is picked next), the store is unavailable (5xx), or
    // anything else: a short pause, far inside the ticket's 5 s grace.
    await sleep(ctx.random.int(50, 250), ctx.signal);
  }
  return undefined;
}

/** Polls as an old client with one ownerId until granted (or the run stops). */
async function waitPolling(
  ctx: RunContext,
  clientId: string,
  kind: string,
  ownerId: string,
): Promise<Held | undefined> {
  const ttlMs = ctx.random.int(ctx.leaseTtlMs.min, ctx.leaseTtlMs.max);
  while (!ctx.signal.aborted) {
    const { op, result } = await ask(ctx, clientId, kind, ownerId, ttlMs);
    if (op.grant) return { kind, ownerId, grant: op.grant };
    const retryAfterMs = Number(result.body?.retryAfterMs);
    await sleep(
      Number.isFinite(retryAfterMs) ? Math.min(2_000, Math.max(0, retryAfterMs)) : 200,
      ctx.signal,
    );
  }
  return undefined;
}

/** One waiting client on `ctx.queueKinds`: parked (with tickets) or polling (old client). */
export async function waitingWorker(
  ctx: RunContext,
  clientId: string,
  mode: 'parked' | 'polling',
): Promise<void> {
  let attempt = 0;
  while (!ctx.signal.aborted) {
    const kind = ctx.random.pick(ctx.queueKinds);
    const ownerId = `${ctx.runId}-${clientId}-${attempt++}`;
    const held =
      mode === 'parked'
        ? await waitParked(ctx, clientId, kind, ownerId)
        : await waitPolling(ctx, clientId, kind, ownerId);
    if (held === undefined) return;
    await holdAndRelease(ctx, clientId, held);
    await sleep(ctx.random.int(0, 200), ctx.signal);
  }
}
