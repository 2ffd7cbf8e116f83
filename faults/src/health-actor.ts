import { listAll } from './admin.ts';
import { callBroker } from './broker-call.ts';
import type { HealthOp, PolicyPatch } from './health-history.ts';
import type { RunContext } from './run-context.ts';
import { FAKE_SECRETS, anyBroker } from './run-context.ts';
import { sleep } from './sleep.ts';

/** The kinds only the health clients use (seeded with 4 credentials each). */
export const HEALTH_KINDS: readonly string[] = ['fault-h'];

type Invocation =
  | { type: 'restore'; credentialId: string }
  | { type: 'quarantine'; credentialId: string }
  | { type: 'policy'; kind: string; patch: PolicyPatch };

const ROUTES = {
  restore: 'admin/restore',
  quarantine: 'admin/quarantine',
  policy: 'admin/policy/set',
} as const;

/** Sends one health or policy operation and records it with the time the broker answered. */
export async function healthCall(ctx: RunContext, invocation: Invocation): Promise<HealthOp> {
  const broker = anyBroker(ctx);
  const body =
    invocation.type === 'policy'
      ? { kind: invocation.kind, ...invocation.patch }
      : {
          credentialId: invocation.credentialId,
          ...(invocation.type === 'quarantine' ? { reason: 'fault harness: by hand' } : {}),
        };
  const invokedAt = ctx.recorder.now();
  const opId = ctx.recorder.allocateOpId();
  const result = await callBroker(
    ctx.dispatcher,
    broker.url,
    ROUTES[invocation.type],
    FAKE_SECRETS.maintainer,
    { ...body, actorId: 'faults-harness' },
    ctx.requestTimeoutMs,
  );
  const op: HealthOp = {
    ...invocation,
    opId,
    clientId: 'maintainer',
    broker: broker.index,
    invokedAt,
    completedAt: ctx.recorder.now(),
    outcome: result.outcome,
    ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    ...(result.code !== undefined ? { code: result.code } : {}),
  };
  ctx.recorder.health.push(op);
  return op;
}

interface Listed {
  credentialId: string;
  kind: string;
  status: string;
  quarantine?: unknown;
}

async function healthCredentials(ctx: RunContext): Promise<Listed[] | undefined> {
  const listed = await listAll(ctx);
  const kinds = ctx.healthKinds ?? [];
  return (listed?.credentials as Listed[] | undefined)?.filter((c) => kinds.includes(c.kind));
}

/** The next value of a quota: mostly toggling between two limits, now and then cleared. */
function nextQuota(ctx: RunContext, current: number | null, limits: [number, number]) {
  if (ctx.random.next() < 0.15) return current === null ? limits[0] : null;
  return current === limits[0] ? limits[1] : limits[0];
}

/**
 * The health maintainer: while the clients run it toggles each health kind's quotas
 * (maxLeasesPerOwner 1 / 2, maxLeasesPerRole.ci 2 / 3, each now and then cleared),
 * restores quarantined credentials, and once in a while quarantines one by hand. A patch
 * whose answer was lost is sent again until it is answered: the checker cannot tell when
 * a lost one lands, so only patches of the same value keep a quota judgeable.
 */
export async function healthActor(ctx: RunContext, everyMs: number): Promise<void> {
  const kinds = ctx.healthKinds ?? [];
  const quotas = new Map(
    kinds.map((kind) => [kind, { owner: null as number | null, role: null as number | null }]),
  );
  while (!ctx.signal.aborted && kinds.length > 0) {
    await sleep(ctx.random.int(everyMs / 2, everyMs), ctx.signal);
    if (ctx.signal.aborted) break;
    const roll = ctx.random.next();
    if (roll < 0.4) {
      const kind = ctx.random.pick(kinds);
      const set = quotas.get(kind)!;
      let patch: PolicyPatch;
      if (ctx.random.next() < 0.5) {
        set.owner = nextQuota(ctx, set.owner, [1, 2]);
        patch = { maxLeasesPerOwner: set.owner };
      } else {
        set.role = nextQuota(ctx, set.role, [2, 3]);
        patch = { maxLeasesPerRole: { ci: set.role } };
      }
      for (let tries = 0; tries < 5 && !ctx.signal.aborted; tries++) {
        if ((await healthCall(ctx, { type: 'policy', kind, patch })).outcome !== 'unknown') break;
        await sleep(200, ctx.signal);
      }
      continue;
    }
    const listed = await healthCredentials(ctx);
    if (!listed || listed.length === 0) continue;
    const quarantined = listed.filter((c) => c.quarantine !== undefined);
    if (roll < 0.93 && quarantined.length > 0) {
      await healthCall(ctx, {
        type: 'restore',
        credentialId: ctx.random.pick(quarantined).credentialId,
      });
    } else if (roll >= 0.93) {
      await healthCall(ctx, {
        type: 'quarantine',
        credentialId: ctx.random.pick(listed).credentialId,
      });
    }
  }
}

/**
 * Before the final drain: clear every health kind's quotas and restore every quarantined
 * credential (recorded like the rest), so the drain can take each active credential.
 */
export async function settleHealth(ctx: RunContext): Promise<void> {
  for (const kind of ctx.healthKinds ?? []) {
    const patch = { maxLeasesPerOwner: null, maxLeasesPerRole: { ci: null } };
    for (let tries = 0; ; tries++) {
      if ((await healthCall(ctx, { type: 'policy', kind, patch })).outcome === 'ok') break;
      if (tries >= 5) throw new Error(`clearing the policy of ${kind} failed`);
      await sleep(500);
    }
  }
  for (let tries = 0; ; tries++) {
    const listed = await healthCredentials(ctx);
    const quarantined = listed?.filter((c) => c.quarantine !== undefined);
    if (quarantined?.length === 0) return;
    if (tries >= 5) throw new Error('restoring the quarantined credentials failed');
    for (const credential of quarantined ?? [])
      await healthCall(ctx, { type: 'restore', credentialId: credential.credentialId });
  }
}
