import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkHistory } from '../src/checker.ts';
import type { HealthOp } from '../src/health-history.ts';
import type { AcquireOp, GrantEvent, History, Op } from '../src/history.ts';

/**
 * Soundness of the health rules: histories of a CORRECT store with quarantines, restores
 * and changing quotas (three credentials, two owners, all role ci), every operation taking
 * effect at a random instant between its invocation and its answer and some answers lost,
 * never raise a violation. A store that ignores quarantines, or quotas, is caught.
 */
const TTL = 3_000;
const OFFSET = 50_000;
const CREDENTIALS = ['cred-0', 'cred-1', 'cred-2'];

const stepArbitrary = fc.record({
  gap: fc.integer({ min: 0, max: 700 }),
  action: fc.constantFrom(
    'acquire',
    'acquire',
    'heartbeat',
    'release',
    'release',
    'restore',
    'quarantine',
    'policy',
  ),
  pick: fc.nat(),
  broken: fc.boolean(),
  quota: fc.constantFrom(null, 1, 2),
  before: fc.integer({ min: 0, max: 500 }),
  after: fc.integer({ min: 0, max: 500 }),
  answerLost: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

type Step = typeof stepArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface Faults {
  ignoreQuarantine?: boolean;
  ignoreQuotas?: boolean;
}

function simulate(steps: Step[], faults: Faults = {}): History {
  const ops: Op[] = [];
  const health: HealthOp[] = [];
  const grantEvents: GrantEvent[] = [];
  const known: AcquireOp[] = [];
  const stored = new Map<string, { token: string; owner: string; expiresAt: number }>();
  const quarantined = new Set<string>();
  const fencing = new Map<string, number>();
  const policy: { owner: number | null; role: number | null } = { owner: null, role: null };
  let t = 1_000;
  let nextId = 1;
  for (const step of steps) {
    t += step.gap;
    const opId = nextId++;
    const base = { opId, clientId: `c${opId}`, broker: 0, completedAt: t + step.after };
    const outcomeIf = (ok: boolean): Op['outcome'] =>
      step.answerLost ? 'unknown' : ok ? 'ok' : 'failed';
    const live = (owner?: string) =>
      [...stored.values()].filter((l) => l.expiresAt > t && (!owner || l.owner === owner)).length;
    const credentialId = CREDENTIALS[step.pick % CREDENTIALS.length]!;
    const healthBase = { ...base, clientId: 'maintainer', invokedAt: t - step.before };
    if (step.action === 'restore' || step.action === 'quarantine') {
      if (step.action === 'restore') quarantined.delete(credentialId);
      else quarantined.add(credentialId);
      health.push({ ...healthBase, type: step.action, credentialId, outcome: outcomeIf(true) });
      continue;
    }
    if (step.action === 'policy') {
      const patch =
        step.pick % 2 === 0
          ? { maxLeasesPerOwner: step.quota }
          : { maxLeasesPerRole: { ci: step.quota === null ? null : step.quota + 1 } };
      if (step.pick % 2 === 0) policy.owner = step.quota;
      else policy.role = step.quota === null ? null : step.quota + 1;
      health.push({ ...healthBase, type: 'policy', kind: 'k', patch, outcome: outcomeIf(true) });
      continue;
    }
    if (step.action === 'acquire' || known.length === 0) {
      const ownerId = `owner-${step.pick % 2}`;
      const withinQuota =
        faults.ignoreQuotas ||
        ((policy.owner === null || live(ownerId) < policy.owner) &&
          (policy.role === null || live() < policy.role));
      const free = CREDENTIALS.find(
        (id) =>
          (faults.ignoreQuarantine || !quarantined.has(id)) &&
          (stored.get(id)?.expiresAt ?? 0) <= t,
      );
      const granted = withinQuota ? free : undefined;
      const op: AcquireOp = {
        ...base,
        type: 'acquire',
        kind: 'k',
        ownerId,
        invokedAt: t - step.before,
        outcome: outcomeIf(granted !== undefined),
      };
      if (granted !== undefined) {
        const token = `fake-${opId}`;
        const fence = (fencing.get(granted) ?? 0) + 1;
        fencing.set(granted, fence);
        stored.set(granted, { token, owner: ownerId, expiresAt: t + TTL });
        grantEvents.push({ ownerId, credentialId: granted, occurredAtMs: t + OFFSET });
        if (op.outcome === 'ok') {
          op.grant = {
            credentialId: granted,
            leaseToken: token,
            fencingToken: fence,
            expiresAtMs: t + TTL + OFFSET,
            leaseTtlMs: TTL,
          };
          known.push(op);
        }
      } else if (op.outcome === 'failed') op.code = 'POOL_EXHAUSTED';
      ops.push(op);
      continue;
    }
    const lease = known[step.pick % known.length]!;
    const invokedAt = Math.max(t - step.before, lease.completedAt);
    if (invokedAt > t) continue; // the holder does not know it holds it yet
    const id = lease.grant!.credentialId;
    const ref = {
      credentialId: id,
      leaseToken: lease.grant!.leaseToken,
      ownerId: lease.ownerId,
      kind: 'k',
      invokedAt,
    };
    const current = stored.get(id);
    const mine = current?.token === ref.leaseToken;
    if (step.action === 'heartbeat') {
      const ok = mine && current.expiresAt >= t;
      if (ok) stored.set(id, { ...current, expiresAt: t + TTL });
      const outcome = outcomeIf(ok);
      ops.push({
        ...base,
        ...ref,
        type: 'heartbeat',
        leaseTtlMs: TTL,
        outcome,
        ...(outcome === 'ok' ? { expiresAtMs: t + TTL + OFFSET } : {}),
        ...(outcome === 'failed' ? { code: mine ? 'LEASE_EXPIRED' : 'LEASE_NOT_OWNER' } : {}),
      });
    } else {
      const ok = !current || mine;
      if (mine) {
        stored.delete(id);
        if (step.broken) quarantined.add(id);
      }
      ops.push({
        ...base,
        ...ref,
        type: 'release',
        outcome: outcomeIf(ok),
        ...(step.broken ? { broken: true } : {}),
      });
    }
  }
  return { ops, health, grantEvents };
}

const stepsArbitrary = fc.array(stepArbitrary, { minLength: 1, maxLength: 60 });

it('never flags a correct store with quarantines and changing quotas, whatever the timing', () => {
  const seen = { grants: 0, refused: 0, broken: 0, restores: 0, policies: 0 };
  fc.assert(
    fc.property(stepsArbitrary, (steps) => {
      const history = simulate(steps);
      const result = checkHistory(history, { clockToleranceMs: 0 });
      expect(result.violations).toEqual([]);
      seen.grants += result.stats.grants;
      seen.refused += history.ops.filter((op) => op.code === 'POOL_EXHAUSTED').length;
      seen.broken += history.ops.filter((op) => op.type === 'release' && op.broken).length;
      seen.restores += history.health!.filter((op) => op.type === 'restore').length;
      seen.policies += history.health!.filter((op) => op.type === 'policy').length;
    }),
    { numRuns: 300 },
  );
  // The generator really produced grants, refusals, broken reports and maintenance.
  expect(seen.grants).toBeGreaterThan(300);
  expect(seen.refused).toBeGreaterThan(50);
  expect(seen.broken).toBeGreaterThan(100);
  expect(seen.restores).toBeGreaterThan(100);
  expect(seen.policies).toBeGreaterThan(100);
});

function caught(faults: Faults): Set<string> {
  const rules = new Set<string>();
  for (const steps of fc.sample(stepsArbitrary, { numRuns: 300, seed: 42 })) {
    const result = checkHistory(simulate(steps, faults), { clockToleranceMs: 0 });
    for (const violation of result.violations) rules.add(violation.rule);
  }
  return rules;
}

it('catches a store that grants quarantined credentials', () => {
  expect([...caught({ ignoreQuarantine: true })]).toEqual(['quarantined-granted']);
});

it('catches a store that ignores quotas', () => {
  expect([...caught({ ignoreQuotas: true })]).toEqual(['quota-exceeded']);
});
