import { describe, expect, it } from 'vitest';
import type { ViolationRule } from '../src/checker.ts';
import { checkHistory } from '../src/checker.ts';
import type { HealthOp, PolicyPatch } from '../src/health-history.ts';
import type { History } from '../src/history.ts';
import { quotaInForce } from '../src/check/quota.ts';
import { HistoryBuilder, STORE_OFFSET, TTL } from './history-builder.ts';

function rules(history: History): ViolationRule[] {
  return checkHistory(history).violations.map((violation) => violation.rule);
}

/** The maintainer's operations for a hand-written history (opIds far from the builder's). */
class HealthOps {
  readonly ops: HealthOp[] = [];
  private nextId = 10_000;

  private base(at: number, answeredAt: number, outcome: HealthOp['outcome']) {
    return {
      opId: this.nextId++,
      clientId: 'maintainer',
      broker: 0,
      invokedAt: at,
      completedAt: answeredAt,
      outcome,
    };
  }

  restore(
    credentialId: string,
    at: number,
    answeredAt: number,
    outcome: HealthOp['outcome'] = 'ok',
  ) {
    this.ops.push({ type: 'restore', credentialId, ...this.base(at, answeredAt, outcome) });
  }

  quarantine(
    credentialId: string,
    at: number,
    answeredAt: number,
    outcome: HealthOp['outcome'] = 'ok',
  ) {
    this.ops.push({ type: 'quarantine', credentialId, ...this.base(at, answeredAt, outcome) });
  }

  policy(patch: PolicyPatch, at: number, answeredAt: number, outcome: HealthOp['outcome'] = 'ok') {
    this.ops.push({ type: 'policy', kind: 'k', patch, ...this.base(at, answeredAt, outcome) });
  }
}

/** A lease of `credentialId` released broken at `brokenAt` (answered 10 ms later). */
function brokenLease(h: HistoryBuilder, credentialId: string, at: number, brokenAt: number) {
  const lease = h.acquire(at, at + 10, credentialId, at + 1);
  const release = h.release(lease, brokenAt, brokenAt + 10);
  release.broken = true;
  return lease;
}

describe('health rules on correct histories', () => {
  it('a quarantined credential is granted again only once a restore was sent', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    brokenLease(h, 'cred-a', 0, 1_000);
    h.failedAcquire(1_100, 1_110); // quarantined: refused
    m.restore('cred-a', 2_000, 2_010);
    h.acquire(2_005, 2_020, 'cred-a', 5_000); // may follow the restore's effect
    m.quarantine('cred-a', 3_000, 3_010); // allowed while leased: the holder keeps it
    m.restore('cred-a', 4_000, 4_010, 'unknown');
    h.acquire(6_000, 6_010, 'cred-a', 6_000); // the unknown restore may have cleared it
    expect(rules(h.history({ health: m.ops }))).toEqual([]);
  });

  it('a broken release that may have found its lease gone proves no quarantine', () => {
    const h = new HistoryBuilder();
    brokenLease(h, 'cred-a', 0, TTL + 100); // the lease may have expired first: ok, no change
    h.acquire(TTL + 200, TTL + 210, 'cred-a', 5);
    const lost = h.acquire(10_000, 10_010, 'cred-a', 6);
    const unknown = h.release(lost, 10_100, 10_200, 'unknown');
    unknown.broken = true; // may never have arrived
    h.acquire(10_300, 10_310, 'cred-a', 7);
    const mixed = h.acquire(20_000, 20_010, 'cred-a', 8);
    h.release(mixed, 20_100, 20_200, 'unknown'); // an ok release may have come first
    const late = h.release(mixed, 20_300, 20_310);
    late.broken = true;
    h.acquire(20_400, 20_410, 'cred-a', 9);
    expect(rules(h.history())).toEqual([]);
  });

  it('a restore answered before the quarantine began does not end it, one in flight does', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.restore('cred-a', 500, 1_500); // in flight while the broken release ran: may come after
    brokenLease(h, 'cred-a', 0, 1_000);
    h.acquire(2_000, 2_010, 'cred-a', 10);
    expect(rules(h.history({ health: m.ops }))).toEqual([]);
  });

  it('quotas are judged only where one value was certainly in force', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.policy({ maxLeasesPerOwner: 1 }, 100, 110);
    const first = h.acquire(200, 210, 'cred-a', 1, { ownerId: 'o1' });
    m.policy({ maxLeasesPerOwner: null }, 400, 500);
    const second = h.acquire(450, 460, 'cred-b', 1, { ownerId: 'o1' }); // may be cleared already
    m.policy({ maxLeasesPerOwner: 1 }, 600, 610, 'unknown');
    const third = h.acquire(700, 710, 'cred-c', 1, { ownerId: 'o1' }); // the patch may not land
    h.release(first, 800, 810);
    h.release(second, 850, 860);
    h.release(third, 870, 880);
    m.policy({ maxLeasesPerOwner: 1 }, 900, 910);
    // The unknown patch set the same value, so 1 is in force; o1 released everything.
    h.acquire(1_000, 1_010, 'cred-a', 2, { ownerId: 'o1' });
    h.acquire(1_100, 1_110, 'cred-d', 1, { ownerId: 'o2' }); // another owner
    m.policy({ maxLeasesPerRole: { ci: 5 } }, 1_200, 1_210);
    h.acquire(1_300, 1_310, 'cred-e', 1, { ownerId: 'o3' }); // 4 held, role quota 5
    expect(rules(h.history({ health: m.ops, grantEvents: undefined }))).toEqual([]);
  });

  it('quotaInForce: the loosest value that may be in force (earlier overridden, later outside)', () => {
    const m = new HealthOps();
    m.policy({ maxLeasesPerOwner: 3 }, 0, 10);
    m.policy({ maxLeasesPerOwner: 1 }, 20, 30);
    m.policy({ maxLeasesPerRole: { ci: 2 } }, 40, 50); // another field
    m.policy({ maxLeasesPerOwner: 2 }, 100, 110);
    const changes = m.ops.filter((op) => op.type === 'policy');
    expect(quotaInForce(changes, 'owner', 40, 90)).toBe(1);
    expect(quotaInForce(changes, 'owner', 40, 105)).toBe(2); // 1, or the concurrent 2
    expect(quotaInForce(changes, 'owner', 120, 130)).toBe(2);
    expect(quotaInForce(changes, 'role', 60, 200)).toBe(2);
    expect(quotaInForce(changes, 'role', 0, 45)).toBeUndefined();
  });
});

describe('negative controls: health and quota violations are caught', () => {
  it('quarantined-granted: granted after a broken release, before any restore', () => {
    const h = new HistoryBuilder();
    brokenLease(h, 'cred-a', 0, 1_000);
    const bad = h.acquire(1_500, 1_510, 'cred-a', 2_000);
    const violations = checkHistory(h.history()).violations;
    expect(violations.map((v) => v.rule)).toEqual(['quarantined-granted']);
    expect(violations[0]!.opIds).toEqual([2, bad.opId]);
  });

  it('quarantined-granted: granted after admin/quarantine, before the restore was sent', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.quarantine('cred-a', 100, 110);
    h.acquire(200, 210, 'cred-a', 1);
    m.restore('cred-a', 300, 310);
    h.acquire(TTL + 400, TTL + 410, 'cred-a', 2); // after the restore: fine
    expect(rules(h.history({ health: m.ops }))).toEqual(['quarantined-granted']);
  });

  it('quarantined-granted: a grant nobody saw, certainly inside the quarantine (store events)', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    brokenLease(h, 'cred-a', 0, 1_000);
    const unseen = h.failedAcquire(1_200, 9_000, 'TIMEOUT', 0);
    unseen.outcome = 'unknown';
    delete unseen.httpStatus;
    h.grantEvents.push({
      ownerId: unseen.ownerId,
      credentialId: 'cred-a',
      occurredAtMs: 1_300 + STORE_OFFSET,
    });
    m.restore('cred-a', 5_000, 5_010);
    expect(rules(h.history({ health: m.ops }))).toEqual(['quarantined-granted']);
  });

  it('quota-exceeded: a second lease for one owner under maxLeasesPerOwner 1', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.policy({ maxLeasesPerOwner: 1 }, 0, 10);
    const held = h.acquire(100, 110, 'cred-a', 1, { ownerId: 'o1' });
    const bad = h.acquire(200, 210, 'cred-b', 1, { ownerId: 'o1' });
    const violations = checkHistory(
      h.history({ health: m.ops, grantEvents: undefined }),
    ).violations;
    expect(violations.map((v) => v.rule)).toEqual(['quota-exceeded']);
    expect(violations[0]!.opIds).toEqual([bad.opId, held.opId]);
  });

  it('quota-exceeded: an unknown patch of the same value leaves the quota in force', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.policy({ maxLeasesPerOwner: 1 }, 0, 10);
    m.policy({ maxLeasesPerOwner: 1 }, 50, 8_050, 'unknown');
    m.policy({ maxLeasesPerRole: { ci: null } }, 60, 70, 'unknown'); // another field
    h.acquire(100, 110, 'cred-a', 1, { ownerId: 'o1' });
    h.acquire(200, 210, 'cred-b', 1, { ownerId: 'o1' });
    expect(rules(h.history({ health: m.ops, grantEvents: undefined }))).toEqual(['quota-exceeded']);
  });

  it('quota-exceeded: judged against the loosest quota an unknown patch may have set', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.policy({ maxLeasesPerRole: { ci: 2 } }, 0, 10);
    m.policy({ maxLeasesPerRole: { ci: 3 } }, 50, 8_050, 'unknown');
    h.acquire(100, 110, 'cred-a', 1);
    h.acquire(150, 160, 'cred-b', 1);
    h.acquire(200, 210, 'cred-c', 1); // 2 held: within 3, so not certain
    h.acquire(300, 310, 'cred-d', 1); // 3 held: over even the loosest
    expect(rules(h.history({ health: m.ops }))).toEqual(['quota-exceeded']);
  });

  it('quota-exceeded: a third ci lease under maxLeasesPerRole.ci 2', () => {
    const h = new HistoryBuilder();
    const m = new HealthOps();
    m.policy({ maxLeasesPerOwner: 1, maxLeasesPerRole: { ci: 2 } }, 0, 10);
    h.acquire(100, 110, 'cred-a', 1);
    h.acquire(150, 160, 'cred-b', 1);
    h.acquire(200, 210, 'cred-c', 1);
    expect(rules(h.history({ health: m.ops }))).toEqual(['quota-exceeded']);
  });
});
