import { describe, expect, it } from 'vitest';
import type { ViolationRule } from '../src/checker.ts';
import { checkHistory } from '../src/checker.ts';
import type { History } from '../src/history.ts';
import { HistoryBuilder, STORE_OFFSET, TTL } from './history-builder.ts';

function rules(history: History): ViolationRule[] {
  return checkHistory(history).violations.map((violation) => violation.rule);
}

/** A correct run: three holders one after another, stale ops rejected, a removal, a drain. */
function correctHistory(): HistoryBuilder {
  const h = new HistoryBuilder();
  const first = h.acquire(0, 10, 'cred-a', 1);
  h.heartbeat(first, 1_000, 1_010);
  h.heartbeat(first, 3_500, 3_510); // keeps it past the acquire's TTL
  h.release(first, 4_000, 4_010);
  h.failedAcquire(100, 110); // the pool was busy
  const second = h.acquire(4_020, 4_030, 'cred-a', 2);
  h.heartbeat(first, 4_100, 4_110, 'failed', 'LEASE_NOT_OWNER'); // stale: rejected
  h.release(first, 4_200, 4_210, 'failed'); // stale while `second` is stored: rejected
  h.release(second, 4_300, 4_310);
  const third = h.acquire(10_000, 10_010, 'cred-a', 3); // second's lease ended long ago
  h.heartbeat(third, 14_000, 14_010, 'failed', 'LEASE_EXPIRED'); // past its TTL: expired is fine
  h.remove('cred-b', 20_000, 20_010);
  return h;
}

describe('checker on a correct history', () => {
  it('reports nothing and counts what happened', () => {
    const h = correctHistory();
    const result = checkHistory(
      h.history({
        final: {
          credentials: [
            {
              credentialId: 'cred-a',
              kind: 'k',
              status: 'active',
              lease: { expiresAtMs: 13_000 + STORE_OFFSET },
            },
            { credentialId: 'cred-b', kind: 'k', status: 'disabled' },
          ],
          drained: [{ kind: 'k', credentialIds: ['cred-a'] }],
          drainStoreNowMs: 60_000 + STORE_OFFSET,
        },
      }),
    );
    expect(result.violations).toEqual([]);
    expect(result.stats.grants).toBe(3);
    expect(result.stats.byType.acquire).toEqual({ ok: 3, failed: 1, unknown: 0 });
    expect(result.stats.byType.heartbeat).toEqual({ ok: 2, failed: 2, unknown: 0 });
    expect(result.stats.storeClockOffsetMs?.lo).toBeLessThanOrEqual(STORE_OFFSET);
    expect(result.stats.storeClockOffsetMs?.hi).toBeGreaterThanOrEqual(STORE_OFFSET);
  });

  it('accepts a stale release once the newer lease may have been cleared (idempotent ok)', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.release(first, 100, 110, 'unknown'); // may have happened at 100
    const second = h.acquire(200, 210, 'cred-a', 2);
    h.release(second, 300, 310);
    h.release(first, 400, 410); // nothing stored any more: ok is right
    expect(rules(h.history())).toEqual([]);
  });

  it('accepts a grant right after the previous lease could have expired', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 50, 'cred-a', 1); // may expire as early as 0 + TTL
    h.acquire(TTL - 20, TTL, 'cred-a', 2);
    expect(rules(h.history())).toEqual([]);
  });

  it('accepts concurrent acquires in either fencing order', () => {
    const h = new HistoryBuilder();
    // The slow acquire was invoked first but granted at 4_000, after token 1 expired; its
    // answer came so late that it is certainly held by nobody's reckoning (0 + TTL < 5_000).
    const slow = h.acquire(0, 5_000, 'cred-a', 2, { storeAt: 4_000 });
    h.acquire(10, 20, 'cred-a', 1, { storeAt: 10 });
    h.release(slow, 5_010, 5_020);
    expect(rules(h.history())).toEqual([]);
  });
});

describe('negative controls: each broken history is caught', () => {
  it('overlap: a second holder while the first certainly holds', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.heartbeat(first, 2_000, 2_010); // held until 2_000 + TTL
    h.acquire(4_000, 4_010, 'cred-a', 2);
    const violations = checkHistory(h.history()).violations;
    expect(violations.map((v) => v.rule)).toEqual(['overlap']);
    expect(violations[0]!.credentialId).toBe('cred-a');
    expect(violations[0]!.opIds).toEqual([1, 3]);
  });

  it('overlap: only a release that may have happened ends the hold early', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.release(first, 500, 510, 'failed'); // rejected: the lease is still held
    h.acquire(1_000, 1_010, 'cred-a', 2);
    expect(rules(h.history())).toContain('overlap');
  });

  it('overlap: the final drain got one credential twice', () => {
    const h = new HistoryBuilder();
    const history = h.history({
      final: {
        credentials: [{ credentialId: 'cred-a', kind: 'k', status: 'active' }],
        drained: [{ kind: 'k', credentialIds: ['cred-a', 'cred-a'] }],
      },
    });
    expect(rules(history)).toEqual(['overlap']);
  });

  it('fencing-order: a later grant with a smaller token', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 5);
    h.release(first, 100, 110);
    h.acquire(200, 210, 'cred-a', 4);
    expect(rules(h.history())).toEqual(['fencing-order']);
  });

  it('fencing-order: two grants with the same token', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 7);
    h.release(first, 100, 110);
    h.acquire(200, 210, 'cred-a', 7);
    expect(rules(h.history())).toContain('fencing-order');
  });

  it('stale-accepted: an old token heartbeat accepted after a newer grant', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.release(first, 100, 110, 'unknown'); // the holder thinks it may still be held
    h.acquire(200, 210, 'cred-a', 2);
    h.heartbeat(first, 300, 310); // accepted: wrong
    const violations = checkHistory(h.history()).violations;
    expect(violations.map((v) => v.rule)).toEqual(['stale-accepted']);
    expect(violations[0]!.opIds).toEqual([1, 3, 4]);
  });

  it('stale-accepted: a heartbeat accepted after its own release was acknowledged', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.release(first, 100, 110);
    h.heartbeat(first, 300, 310);
    expect(rules(h.history())).toEqual(['stale-accepted']);
  });

  it('stale-accepted: an old token release accepted while the newer lease is stored', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.release(first, 100, 110, 'unknown');
    h.acquire(200, 210, 'cred-a', 2);
    h.release(first, 300, 310); // the newer lease is still stored: must have failed
    expect(rules(h.history())).toEqual(['stale-accepted']);
  });

  it('lease-lost-early: a heartbeat told "expired" while the lease was certainly held', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.heartbeat(first, 1_000, 1_010, 'failed', 'LEASE_EXPIRED');
    expect(rules(h.history())).toEqual(['lease-lost-early']);
  });

  it('removed-granted: an acquire after the removal was acknowledged gets the credential', () => {
    const h = new HistoryBuilder();
    h.remove('cred-a', 0, 10);
    h.acquire(20, 30, 'cred-a', 1);
    expect(rules(h.history())).toEqual(['removed-granted']);
  });

  it('removed-granted: a grant nobody saw, certainly after the removal (store events)', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 10, 'cred-b', 1); // pins the store clock offset
    h.remove('cred-a', 100, 110);
    const ghost = h.failedAcquire(150, 5_150, 'TIMEOUT', 0);
    ghost.outcome = 'unknown';
    delete ghost.httpStatus;
    h.grantEvents.push({
      ownerId: ghost.ownerId,
      credentialId: 'cred-a',
      occurredAtMs: 4_000 + STORE_OFFSET,
    });
    expect(rules(h.history())).toEqual(['removed-granted']);
  });

  it('removed-granted: the final drain hands out a disabled credential', () => {
    const h = new HistoryBuilder();
    const history = h.history({
      final: {
        credentials: [
          { credentialId: 'cred-a', kind: 'k', status: 'disabled' },
          { credentialId: 'cred-b', kind: 'k', status: 'active' },
        ],
        drained: [{ kind: 'k', credentialIds: ['cred-a', 'cred-b'] }],
      },
    });
    expect(rules(history)).toEqual(['removed-granted']);
  });

  it('not-free-at-end: an active credential the drain could not get', () => {
    const h = new HistoryBuilder();
    const history = h.history({
      final: {
        credentials: [
          { credentialId: 'cred-a', kind: 'k', status: 'active', lease: { expiresAtMs: 90_000 } },
          { credentialId: 'cred-b', kind: 'k', status: 'active' },
        ],
        drained: [{ kind: 'k', credentialIds: ['cred-b'] }],
        drainStoreNowMs: 60_000,
      },
    });
    const violations = checkHistory(history).violations;
    expect(violations.map((v) => v.rule)).toEqual(['not-free-at-end', 'not-free-at-end']);
    expect(violations.every((v) => v.credentialId === 'cred-a')).toBe(true);
  });

  it('granted-after-gave-up: the store granted after the broker answered 503', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 10, 'cred-b', 1);
    const gaveUp = h.failedAcquire(100, 150, 'STORE_UNAVAILABLE', 503);
    h.grantEvents.push({
      ownerId: gaveUp.ownerId,
      credentialId: 'cred-a',
      occurredAtMs: 2_000 + STORE_OFFSET,
    });
    expect(rules(h.history())).toEqual(['granted-after-gave-up']);
  });

  it('granted-after-gave-up is not claimed when the grant may precede the 503', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 10, 'cred-b', 1);
    const gaveUp = h.failedAcquire(100, 150, 'STORE_UNAVAILABLE', 503);
    h.grantEvents.push({
      ownerId: gaveUp.ownerId,
      credentialId: 'cred-a',
      occurredAtMs: 140 + STORE_OFFSET,
    });
    expect(rules(h.history())).toEqual([]);
  });

  it('unexplained-grant: the store granted an acquire that was answered POOL_EXHAUSTED', () => {
    const h = new HistoryBuilder();
    const refused = h.failedAcquire(100, 150);
    h.grantEvents.push({
      ownerId: refused.ownerId,
      credentialId: 'cred-a',
      occurredAtMs: 120 + STORE_OFFSET,
    });
    expect(rules(h.history())).toEqual(['unexplained-grant']);
  });

  it('grant-event-missing: an ok acquire the store has no event for', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 10, 'cred-a', 1);
    h.grantEvents.length = 0;
    expect(rules(h.history())).toEqual(['grant-event-missing']);
  });

  it('store-clock-inconsistent silences the rules that map store times (they would be noise)', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 10, 'cred-b', 1);
    h.acquire(100, 110, 'cred-c', 1, { storeAt: 100 + 600_000 });
    const gaveUp = h.failedAcquire(200, 250, 'STORE_UNAVAILABLE', 503);
    h.grantEvents.push({
      ownerId: gaveUp.ownerId,
      credentialId: 'cred-a',
      occurredAtMs: 240 + STORE_OFFSET,
    });
    expect(rules(h.history())).toEqual(['store-clock-inconsistent']);
  });

  it('store-clock-inconsistent: one broker put its own skewed clock into lease times', () => {
    const h = new HistoryBuilder();
    const first = h.acquire(0, 10, 'cred-a', 1);
    h.release(first, 20, 30);
    h.acquire(100, 110, 'cred-b', 1, { broker: 1, storeAt: 100 + 600_000 }); // ten minutes ahead
    expect(rules(h.history())).toContain('store-clock-inconsistent');
  });

  it('acknowledged-grant-lost: admin/list after a store restart lost a certainly-held lease', () => {
    const h = new HistoryBuilder();
    const held = h.acquire(0, 10, 'cred-a', 1);
    const other = h.acquire(0, 10, 'cred-b', 1);
    const snapshot = (leaseOwnerId?: string) => ({
      label: 'after store restart',
      invokedAt: 1_000,
      completedAt: 1_020,
      credentials: [
        {
          credentialId: 'cred-a',
          status: 'active' as const,
          ...(leaseOwnerId ? { leaseOwnerId } : {}),
        },
        { credentialId: 'cred-b', status: 'active' as const, leaseOwnerId: other.ownerId },
      ],
    });
    expect(rules(h.history({ snapshots: [snapshot(held.ownerId)] }))).toEqual([]);
    const lost = checkHistory(h.history({ snapshots: [snapshot()] })).violations;
    expect(lost.map((v) => v.rule)).toEqual(['acknowledged-grant-lost']);
    expect(lost[0]!.credentialId).toBe('cred-a');
    expect(rules(h.history({ snapshots: [snapshot('owner-someone-else')] }))).toEqual([
      'acknowledged-grant-lost',
    ]);
  });

  it('malformed-history: an ok acquire without a grant', () => {
    const h = new HistoryBuilder();
    const op = h.failedAcquire(0, 10);
    op.outcome = 'ok';
    expect(rules(h.history())).toContain('malformed-history');
  });
});

it('uses TTL bounds from invocation, not from the answer', () => {
  // Answer 2 s after invocation: the lease may have been granted at 0 and expire at TTL.
  const h = new HistoryBuilder();
  h.acquire(0, 2_000, 'cred-a', 1);
  h.acquire(TTL + 1, TTL + 10, 'cred-a', 2);
  expect(rules(h.history())).toEqual([]);
});
