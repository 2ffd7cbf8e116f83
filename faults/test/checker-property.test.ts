import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkHistory } from '../src/checker.ts';
import type { AcquireOp, GrantEvent, Op } from '../src/history.ts';

/**
 * Soundness: histories produced by a CORRECT one-credential store, with every operation
 * taking effect at a random instant between its invocation and its answer (and some
 * answers lost), never raise a violation. This is what keeps the checker's conservative
 * bounds honest: a false alarm here would make every real run red.
 */
const TTL = 3_000;
const OFFSET = 50_000;

const stepArbitrary = fc.record({
  gap: fc.integer({ min: 0, max: 1_000 }),
  action: fc.constantFrom('acquire', 'heartbeat', 'release'),
  pick: fc.nat(),
  before: fc.integer({ min: 0, max: 800 }),
  after: fc.integer({ min: 0, max: 800 }),
  // One answer in ten is lost (timeout, reset): the operation may still have happened.
  answerLost: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

type Step = typeof stepArbitrary extends fc.Arbitrary<infer T> ? T : never;

function simulate(steps: Step[]): { ops: Op[]; events: GrantEvent[] } {
  const ops: Op[] = [];
  const events: GrantEvent[] = [];
  const known: AcquireOp[] = [];
  let stored: { token: string; expiresAt: number } | undefined;
  let fencing = 0;
  let t = 1_000;
  let nextId = 1;
  for (const step of steps) {
    t += step.gap;
    const opId = nextId++;
    const base = { opId, clientId: `c${opId}`, broker: 0, completedAt: t + step.after };
    const outcomeIf = (ok: boolean): Op['outcome'] =>
      step.answerLost ? 'unknown' : ok ? 'ok' : 'failed';
    if (step.action === 'acquire' || known.length === 0) {
      const ownerId = `owner-${opId}`;
      const free = !stored || stored.expiresAt <= t;
      const op: AcquireOp = {
        ...base,
        type: 'acquire',
        kind: 'k',
        ownerId,
        invokedAt: t - step.before,
        outcome: outcomeIf(free),
      };
      if (free) {
        fencing += 1;
        const token = `fake-${opId}`;
        stored = { token, expiresAt: t + TTL };
        events.push({ ownerId, credentialId: 'cred', occurredAtMs: t + OFFSET });
        if (op.outcome === 'ok') {
          op.grant = {
            credentialId: 'cred',
            leaseToken: token,
            fencingToken: fencing,
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
    const ref = {
      credentialId: 'cred',
      leaseToken: lease.grant!.leaseToken,
      ownerId: lease.ownerId,
      kind: 'k',
      invokedAt,
    };
    const mine = stored?.token === ref.leaseToken;
    if (step.action === 'heartbeat') {
      const ok = mine && stored!.expiresAt >= t;
      if (ok) stored = { token: ref.leaseToken, expiresAt: t + TTL };
      const outcome = outcomeIf(ok);
      ops.push({
        ...base,
        ...ref,
        type: 'heartbeat',
        leaseTtlMs: TTL,
        outcome,
        ...(outcome === 'ok' ? { expiresAtMs: t + TTL + OFFSET } : {}),
        ...(outcome === 'failed'
          ? { code: !stored ? 'LEASE_NOT_FOUND' : mine ? 'LEASE_EXPIRED' : 'LEASE_NOT_OWNER' }
          : {}),
      });
    } else {
      const ok = !stored || mine;
      if (mine) stored = undefined;
      ops.push({ ...base, ...ref, type: 'release', outcome: outcomeIf(ok) });
    }
  }
  return { ops, events };
}

it('never flags a history of a correct store, whatever the timing', () => {
  const seen = { grants: 0, heartbeatsOk: 0, staleRejected: 0 };
  fc.assert(
    fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 60 }), (steps) => {
      const { ops, events } = simulate(steps);
      const result = checkHistory({ ops, grantEvents: events }, { clockToleranceMs: 0 });
      expect(result.violations).toEqual([]);
      seen.grants += result.stats.grants;
      seen.heartbeatsOk += result.stats.byType.heartbeat.ok;
      seen.staleRejected += ops.filter(
        (op) => op.type !== 'acquire' && op.code === 'LEASE_NOT_OWNER',
      ).length;
    }),
    { numRuns: 300 },
  );
  // The generator really produced contention, extensions and stale operations.
  expect(seen.grants).toBeGreaterThan(150);
  expect(seen.heartbeatsOk).toBeGreaterThan(100);
  expect(seen.staleRejected).toBeGreaterThan(20);
});

it('flags a store that grants a held credential, once the overlap is certain', () => {
  // The same generator, but the store ignores the current lease: with enough steps some
  // grant lands inside a certainly-held interval and the checker must say so.
  const { ops } = simulate(
    Array.from({ length: 20 }, (_, i) => ({
      gap: 100,
      action: 'acquire' as const,
      pick: i,
      before: 0,
      after: 0,
      answerLost: false,
    })),
  );
  expect(ops.filter((op) => op.type === 'acquire' && op.outcome === 'ok')).toHaveLength(1);
  const broken = ops.map((op, i) =>
    op.type === 'acquire' && i === 5
      ? {
          ...op,
          outcome: 'ok' as const,
          code: undefined,
          grant: {
            credentialId: 'cred',
            leaseToken: 'fake-x',
            fencingToken: 2,
            expiresAtMs: op.invokedAt + OFFSET + TTL,
            leaseTtlMs: TTL,
          },
        }
      : op,
  );
  expect(checkHistory({ ops: broken }).violations.map((v) => v.rule)).toEqual(['overlap']);
});
