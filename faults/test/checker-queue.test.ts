import { describe, expect, it } from 'vitest';
import type { ViolationRule } from '../src/checker.ts';
import { checkHistory } from '../src/checker.ts';
import type { History } from '../src/history.ts';
import { HistoryBuilder, STORE_OFFSET } from './history-builder.ts';
import { QueueClient } from './queue-history.ts';

function rules(history: History): ViolationRule[] {
  return checkHistory(history).violations.map((violation) => violation.rule);
}

/**
 * A correct queue: a holder keeps cred-a; ticket A joins first, B later; the release at
 * 3,000 goes to A within 20 ms, A's release at 3,500 goes to B within 20 ms.
 */
function fairQueue(): { h: HistoryBuilder; a: QueueClient; b: QueueClient } {
  const h = new HistoryBuilder();
  const holder = h.acquire(0, 10, 'cred-a', 1);
  const a = new QueueClient(h, 'ticket-a');
  const b = new QueueClient(h, 'ticket-b');
  a.waiting(100, 1_110, 1_000);
  b.waiting(500, 1_510, 1_000);
  a.waiting(1_115, 2_120, 1_000);
  b.waiting(1_515, 2_520, 1_000);
  h.release(holder, 2_990, 3_000);
  const aLease = a.granted(2_125, 3_020, 'cred-a', 2, { grantedAt: 2_995, stampedAt: 3_010 });
  b.waiting(2_525, 3_530, 1_000);
  h.release(aLease, 3_490, 3_500);
  b.granted(3_535, 3_545, 'cred-a', 3, { grantedAt: 3_495 });
  return { h, a, b };
}

describe('checker: the fair wait queue', () => {
  it('a fair queue with prompt hand-offs breaks no rule', () => {
    expect(rules(fairQueue().h.history())).toEqual([]);
  });

  it('fifo-order: a later ticket granted while an earlier live one still waits', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    const b = new QueueClient(h, 'ticket-b');
    a.waiting(100, 1_110, 1_000);
    b.waiting(1_200, 2_210, 1_000); // B asked after A's place was certain
    a.waiting(1_115, 2_630, 1_500);
    h.release(holder, 2_200, 2_210);
    b.granted(2_215, 2_225, 'cred-a', 2, { grantedAt: 2_205 });
    // A's next answer still says waiting, its last store step after B's grant answered.
    a.waiting(2_635, 3_640, 1_000);
    expect(rules(h.history())).toContain('fifo-order');
  });

  it('fifo-order allows for a lapse: an unknown answer breaks the earlier ticket’s liveness', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    const b = new QueueClient(h, 'ticket-b');
    a.waiting(100, 1_110, 1_000);
    a.unknown(1_115, 2_000); // e.g. its broker died: A may have lapsed and re-joined
    b.waiting(1_200, 2_210, 1_000);
    h.release(holder, 2_200, 2_210);
    b.granted(2_215, 2_225, 'cred-a', 2, { grantedAt: 2_205 });
    a.waiting(2_005, 3_010, 1_000);
    expect(rules(h.history())).not.toContain('fifo-order');
  });

  it('fifo-order allows for a slow re-ask (more than a second without a request)', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    const b = new QueueClient(h, 'ticket-b');
    a.waiting(100, 1_110, 1_000);
    b.waiting(1_200, 2_210, 1_000);
    h.release(holder, 2_200, 2_210);
    b.granted(2_215, 2_225, 'cred-a', 2, { grantedAt: 2_205 });
    a.waiting(6_500, 7_510, 1_000); // 5.4 s after its last answer: it had lapsed
    expect(rules(h.history())).not.toContain('fifo-order');
  });

  it('idle-while-waiting: a released credential sits idle while a live ticket waits', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    a.waiting(100, 1_110, 1_000);
    a.waiting(1_115, 2_120, 1_000);
    h.release(holder, 1_190, 1_200);
    // Granted 1.4 s after the release although A was parked the whole time.
    a.granted(2_125, 2_600, 'cred-a', 2, { grantedAt: 2_590 });
    expect(rules(h.history())).toEqual(['idle-while-waiting']);
  });

  it('idle-while-waiting: a credential never handed on while a ticket keeps waiting', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    a.waiting(100, 1_110, 1_000);
    h.release(holder, 1_190, 1_200);
    a.waiting(1_115, 2_120, 1_000);
    a.waiting(2_125, 3_130, 1_000);
    expect(rules(h.history())).toEqual(['idle-while-waiting']);
  });

  it('idle-while-waiting allows for faults: pickup and reconcile after a broker died', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    a.waiting(100, 1_110, 1_000);
    a.waiting(1_115, 2_120, 1_000);
    h.release(holder, 1_190, 1_200);
    a.granted(2_125, 2_600, 'cred-a', 2, { grantedAt: 2_590 });
    const history = h.history({
      disturbances: [{ startedAt: 500, endedAt: 700, what: 'broker-kill-restart' }],
    });
    expect(rules(history)).toEqual([]);
  });

  it('idle-while-waiting allows an old client’s reservation until its next poll', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    const old = new QueueClient(h, 'old-client', 'polling');
    old.waiting(50, 60, 0, 1); // at the head: the next freed credential is reserved for it
    a.waiting(100, 1_110, 1_000);
    a.waiting(1_115, 2_120, 1_000);
    h.release(holder, 1_190, 1_200);
    old.granted(2_000, 2_010, 'cred-a', 2, { grantedAt: 1_195 });
    expect(rules(h.history())).toEqual([]);
  });

  it('idle-while-waiting allows for a grant no client saw', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    const lost = new QueueClient(h, 'ticket-lost');
    a.waiting(100, 1_110, 1_000);
    a.waiting(1_115, 2_120, 1_000);
    lost.unknown(1_000, 1_300);
    h.release(holder, 1_190, 1_200);
    a.granted(2_125, 2_600, 'cred-a', 2, { grantedAt: 2_590 });
    expect(rules(h.history())).toEqual([]);
  });

  it('a ticket left queued by a waiting answer may still be granted (until its grace ends)', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    const a = new QueueClient(h, 'ticket-a');
    a.waiting(100, 1_110, 1_000);
    h.release(holder, 1_190, 1_200);
    // The run stopped before A re-asked: the store still granted it (then reclaims it).
    h.grantEvents.push({
      ownerId: 'ticket-a',
      credentialId: 'cred-a',
      occurredAtMs: STORE_OFFSET + 1_195,
    });
    expect(rules(h.history())).toEqual([]);
  });

  it('granted-after-gave-up: a grant to a ticket long after its 5xx answer and its grace', () => {
    const h = new HistoryBuilder();
    h.acquire(0, 5, 'cred-z', 1); // anchors the store clock
    const a = new QueueClient(h, 'ticket-a');
    a.waiting(100, 1_110, 1_000);
    a.unknown(1_115, 1_200, 1_000, 503);
    h.grantEvents.push({
      ownerId: 'ticket-a',
      credentialId: 'cred-a',
      occurredAtMs: STORE_OFFSET + 9_000,
    });
    expect(rules(h.history())).toEqual(['granted-after-gave-up']);
    // Within its grace the same grant is explained.
    h.grantEvents.pop();
    h.grantEvents.push({
      ownerId: 'ticket-a',
      credentialId: 'cred-a',
      occurredAtMs: STORE_OFFSET + 5_000,
    });
    expect(rules(h.history())).toEqual([]);
  });

  it('a re-ask after an unknown answer may return a lease stamped by the earlier request', () => {
    const h = new HistoryBuilder();
    const holder = h.acquire(0, 10, 'cred-a', 1);
    h.release(holder, 90, 100);
    const a = new QueueClient(h, 'ticket-a');
    a.unknown(200, 1_000); // delivered here at 300, the answer lost
    a.granted(1_010, 1_020, 'cred-a', 2, { grantedAt: 300, stampedAt: 300 });
    // Expired at 300 + TTL, so a new holder at 3_400 overlaps nothing.
    const next = h.acquire(3_400, 3_410, 'cred-a', 3);
    h.release(next, 3_500, 3_510);
    expect(rules(h.history())).toEqual([]);
  });
});
