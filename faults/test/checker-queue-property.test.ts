import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkHistory } from '../src/checker.ts';
import type { AcquireOp, GrantEvent, Op, ReleaseOp } from '../src/history.ts';

/**
 * The queue rules against a simulated wait queue on one credential, millisecond by
 * millisecond: parked tickets that re-ask promptly, store steps and answers at random
 * moments after invocation, the release handing the credential to the head waiter in the
 * same step and the waiter's broker delivering it a little later. A FIFO queue with
 * prompt hand-offs never raises a violation, whatever the timing; a queue that serves the
 * newest waiter first, or hands off slowly, is caught.
 */
const TTL = 3_000;
const OFFSET = 70_000;

interface Timing {
  /** Invocation → store step, answer after the step, delivery after a hand-off. */
  stepMs: number[];
  answerMs: number[];
  deliveryMs: number[];
  maxWaitMs: number[];
  holdMs: number[];
  reaskMs: number[];
}

const timingArbitrary = fc.record({
  clients: fc.integer({ min: 2, max: 5 }),
  stepMs: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 50, maxLength: 50 }),
  answerMs: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 50, maxLength: 50 }),
  deliveryMs: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 50, maxLength: 50 }),
  maxWaitMs: fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 50, maxLength: 50 }),
  holdMs: fc.array(fc.integer({ min: 50, max: 600 }), { minLength: 50, maxLength: 50 }),
  reaskMs: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 50, maxLength: 50 }),
});

type Order = 'fifo' | 'lifo';

interface Client {
  id: number;
  ownerId: string;
  leases: number;
  state: 'idle' | 'asking' | 'holding' | 'releasing';
  at: number;
  op?: AcquireOp;
  release?: ReleaseOp;
  stepAt?: number;
  deadline?: number;
  answerAt?: number;
  /** The store granted the credential to this ticket at this time (not yet delivered). */
  grantedAt?: number;
  fencing?: number;
  deliveredAt?: number;
}

function simulate(timing: Timing & { clients: number }, order: Order, wakes = true) {
  const ops: Op[] = [];
  const events: GrantEvent[] = [];
  let draw = 0;
  const pick = (values: number[]) => values[draw++ % values.length]!;
  const clients: Client[] = Array.from({ length: timing.clients }, (_, id) => ({
    id,
    ownerId: `ticket-${id}-0`,
    leases: 0,
    state: 'idle',
    at: id * 7,
  }));
  let holder: Client | undefined;
  let fencing = 0;
  const queue: Client[] = [];
  let nextId = 1;

  const grantTo = (client: Client, t: number) => {
    fencing += 1;
    holder = client;
    client.grantedAt = t;
    client.fencing = fencing;
    events.push({ ownerId: client.ownerId, credentialId: 'cred', occurredAtMs: t + OFFSET });
  };

  for (let t = 0; t < 40_000; t++) {
    if (clients.every((c) => c.leases >= 3 && c.state === 'idle')) break;
    for (const c of clients) {
      if (c.state === 'idle' && c.leases < 3 && t >= c.at) {
        c.state = 'asking';
        c.op = {
          type: 'acquire',
          opId: nextId++,
          clientId: `c${c.id}`,
          broker: 0,
          kind: 'k',
          ownerId: c.ownerId,
          waitMode: 'parked',
          priority: 0,
          maxWaitMs: pick(timing.maxWaitMs),
          invokedAt: t,
          completedAt: t,
          outcome: 'unknown',
        };
        ops.push(c.op);
        c.stepAt = t + pick(timing.stepMs);
        c.deadline = undefined;
        c.answerAt = undefined;
        c.deliveredAt = undefined;
      }
      if (c.state === 'asking' && c.op) {
        if (t === c.stepAt) {
          // The request's first store step: deliver a grant, grant at once, or queue.
          if (c.grantedAt === undefined && holder === undefined && queue.length === 0)
            grantTo(c, t);
          else if (c.grantedAt === undefined && !queue.includes(c)) queue.push(c);
          if (c.grantedAt !== undefined) c.deliveredAt = t;
          else c.deadline = t + (c.op.maxWaitMs ?? 0);
        }
        // Parked when the grant came: woken a little later — or, for a broker that is never
        // woken, only at the request's last store step — but never after that step.
        if (
          c.answerAt === undefined &&
          c.deliveredAt === undefined &&
          c.grantedAt !== undefined &&
          c.deadline !== undefined
        )
          c.deliveredAt = Math.min(
            c.deadline,
            wakes ? Math.max(t, c.grantedAt + pick(timing.deliveryMs)) : c.deadline,
          );
        if (c.answerAt === undefined && c.deliveredAt !== undefined && t >= c.deliveredAt) {
          c.answerAt = t + pick(timing.answerMs);
          c.op.grant = {
            credentialId: 'cred',
            leaseToken: `fake-${c.ownerId}`,
            fencingToken: c.fencing!,
            expiresAtMs: c.deliveredAt + OFFSET + TTL,
            leaseTtlMs: TTL,
          };
        } else if (c.answerAt === undefined && c.deadline !== undefined && t >= c.deadline) {
          c.answerAt = t + pick(timing.answerMs);
        }
        if (c.answerAt !== undefined && t >= c.answerAt) {
          c.op.completedAt = t;
          if (c.op.grant) {
            c.op.outcome = 'ok';
            c.op.httpStatus = 200;
            c.state = 'holding';
            c.at = t + pick(timing.holdMs);
          } else {
            Object.assign(c.op, {
              outcome: 'failed',
              httpStatus: 409,
              code: 'POOL_EXHAUSTED',
              place: { position: queue.indexOf(c) + 1, queueLength: queue.length, waiting: true },
            });
            c.state = 'idle';
            c.at = t + pick(timing.reaskMs);
          }
        }
      }
      if (c.state === 'holding' && t >= c.at) {
        c.state = 'releasing';
        c.release = {
          type: 'release',
          opId: nextId++,
          clientId: `c${c.id}`,
          broker: 0,
          kind: 'k',
          credentialId: 'cred',
          leaseToken: `fake-${c.ownerId}`,
          ownerId: c.ownerId,
          invokedAt: t,
          completedAt: t,
          outcome: 'unknown',
        };
        ops.push(c.release);
        c.stepAt = t + pick(timing.stepMs);
        c.answerAt = undefined;
      }
      if (c.state === 'releasing' && c.release) {
        if (t === c.stepAt) {
          holder = undefined;
          // Handed to the head waiter in the same step (or the newest one, when broken).
          const next = order === 'fifo' ? queue.shift() : queue.pop();
          if (next) grantTo(next, t);
          c.answerAt = t + pick(timing.answerMs);
        }
        if (c.answerAt !== undefined && t >= c.answerAt) {
          c.release.completedAt = t;
          c.release.outcome = 'ok';
          c.release.httpStatus = 200;
          c.leases += 1;
          Object.assign(c, {
            state: 'idle',
            at: t + pick(timing.reaskMs),
            ownerId: `ticket-${c.id}-${c.leases}`,
            grantedAt: undefined,
            deliveredAt: undefined,
          });
        }
      }
    }
  }
  return { ops, events };
}

it('a FIFO queue with prompt hand-offs is never flagged, whatever the timing', () => {
  let waitingAnswers = 0;
  let judgedMs = 0;
  fc.assert(
    fc.property(timingArbitrary, (timing) => {
      const { ops, events } = simulate(timing, 'fifo');
      const result = checkHistory({ ops, grantEvents: events }, { clockToleranceMs: 0 });
      expect(result.violations).toEqual([]);
      waitingAnswers += ops.filter((op) => op.type === 'acquire' && op.code).length;
      judgedMs += result.stats.queue.certainlyWaitingMs;
    }),
    { numRuns: 60 },
  );
  // The simulation really queued, and the rules had live waiting to judge.
  expect(waitingAnswers).toBeGreaterThan(100);
  expect(judgedMs).toBeGreaterThan(10_000);
});

it('catches a queue that serves the newest waiter first', () => {
  let flagged = 0;
  fc.assert(
    fc.property(timingArbitrary, (timing) => {
      const { ops, events } = simulate({ ...timing, clients: 4 }, 'lifo');
      const rules = checkHistory({ ops, grantEvents: events }).violations.map((v) => v.rule);
      if (rules.includes('fifo-order')) flagged += 1;
      expect(rules.filter((rule) => rule !== 'fifo-order')).toEqual([]);
    }),
    { numRuns: 30 },
  );
  expect(flagged).toBeGreaterThan(15);
});

it('catches a broker that is never woken (hand-off only when the parked request times out)', () => {
  let flagged = 0;
  fc.assert(
    fc.property(timingArbitrary, (timing) => {
      const slow = { ...timing, clients: 3, maxWaitMs: [1_500] };
      const { ops, events } = simulate(slow, 'fifo', false);
      const rules = checkHistory({ ops, grantEvents: events }).violations.map((v) => v.rule);
      if (rules.includes('idle-while-waiting')) flagged += 1;
      expect(rules.filter((rule) => rule !== 'idle-while-waiting')).toEqual([]);
    }),
    { numRuns: 20 },
  );
  expect(flagged).toBeGreaterThan(15);
});
