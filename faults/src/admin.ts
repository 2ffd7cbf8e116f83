import { callBroker } from './broker-call.ts';
import type { RemoveOp, Snapshot } from './history.ts';
import type { RunContext } from './run-context.ts';
import { FAKE_SECRETS, anyBroker } from './run-context.ts';
import { sleep } from './sleep.ts';

export interface ListedCredential {
  credentialId: string;
  kind: string;
  status: 'active' | 'disabled';
  lease?: { ownerId: string; expiresAtMs: number };
}

type BrokerTarget = { index: number; url: string };

/** admin/list of everything, timed on the harness clock; undefined when it did not answer ok. */
export async function listAll(
  ctx: RunContext,
  target: BrokerTarget = anyBroker(ctx),
): Promise<
  { invokedAt: number; completedAt: number; credentials: ListedCredential[] } | undefined
> {
  const invokedAt = ctx.recorder.now();
  const result = await callBroker(
    ctx.dispatcher,
    target.url,
    'admin/list',
    FAKE_SECRETS.maintainer,
    { limit: 500 },
    ctx.requestTimeoutMs,
  );
  const completedAt = ctx.recorder.now();
  if (result.outcome !== 'ok') return undefined;
  const credentials = (result.body?.credentials ?? []) as ListedCredential[];
  return { invokedAt, completedAt, credentials };
}

/** Lists everything and records it as a snapshot for the checker; undefined when not ok. */
export async function takeSnapshot(
  ctx: RunContext,
  label: string,
  target?: BrokerTarget,
): Promise<ListedCredential[] | undefined> {
  const listed = await listAll(ctx, target);
  if (!listed) return undefined;
  const snapshot: Snapshot = {
    label,
    invokedAt: listed.invokedAt,
    completedAt: listed.completedAt,
    credentials: listed.credentials.map((credential) => ({
      credentialId: credential.credentialId,
      status: credential.status,
      ...(credential.lease ? { leaseOwnerId: credential.lease.ownerId } : {}),
    })),
  };
  ctx.recorder.snapshots.push(snapshot);
  return listed.credentials;
}

/** Adds a credential of an unvalidated kind (stored as given) with an obviously fake payload. */
export async function addCredential(
  ctx: RunContext,
  kind: string,
  target: BrokerTarget = anyBroker(ctx),
): Promise<string | undefined> {
  const result = await callBroker(
    ctx.dispatcher,
    target.url,
    'admin/add',
    FAKE_SECRETS.maintainer,
    { kind, payload: { fakeAccount: 'not-a-real-secret' }, actorId: 'faults-harness' },
    ctx.requestTimeoutMs,
  );
  const credential = result.body?.credential as { credentialId?: string } | undefined;
  return result.outcome === 'ok' ? credential?.credentialId : undefined;
}

async function removeCredential(ctx: RunContext, credentialId: string): Promise<RemoveOp> {
  const broker = anyBroker(ctx);
  const op = ctx.recorder.invoke<RemoveOp>({
    type: 'remove',
    clientId: 'admin',
    broker: broker.index,
    credentialId,
  });
  const result = await callBroker(
    ctx.dispatcher,
    broker.url,
    'admin/remove',
    FAKE_SECRETS.maintainer,
    { credentialId, actorId: 'faults-harness' },
    ctx.requestTimeoutMs,
  );
  return op.complete({ outcome: result.outcome, httpStatus: result.httpStatus, code: result.code });
}

/**
 * The maintainer: lists everything now and then (a snapshot the checker compares with
 * the leases it knows are held), and retires credentials — remove one of a kind (refused
 * while it is leased) and add a fresh one so the pool keeps its size.
 */
export async function adminWorker(ctx: RunContext, everyMs: number): Promise<void> {
  while (!ctx.signal.aborted) {
    await sleep(ctx.random.int(everyMs / 2, everyMs), ctx.signal);
    if (ctx.signal.aborted) break;
    const listed = await takeSnapshot(ctx, 'periodic');
    if (!listed || ctx.random.next() < 0.5) continue;
    // The health kinds' credentials are left alone: a restore re-enables a removed one.
    const active = listed.filter(
      (credential) => credential.status === 'active' && !ctx.healthKinds?.includes(credential.kind),
    );
    if (active.length === 0) continue;
    const victim = ctx.random.pick(active);
    const removed = await removeCredential(ctx, victim.credentialId);
    if (removed.outcome === 'ok') await addCredential(ctx, victim.kind);
  }
}
