import { describe, expect, it } from 'vitest';
import {
  drawHolds,
  grantsInWindow,
  handoffStats,
  handoffsMs,
  idealMakespanMs,
  idleFraction,
  jainIndex,
  maxDeviationFromMean,
  percentile,
} from '../src/measure/handoff.ts';
import type { LeaseRecord } from '../src/measure/handoff.ts';
import { handoffTargets } from '../src/report/handoff-report.ts';
import type { HandoffResults } from '../src/report/handoff-figures.ts';
import { figureOf } from '../src/measure/stats.ts';

/** A lease whose hold is exactly the time between grant and release answers. */
const lease = (
  client: number,
  credentialId: string,
  wantedAt: number,
  grantedAt: number,
  releasedAt: number,
): LeaseRecord => ({
  client,
  credentialId,
  wantedAt,
  grantedAt,
  holdMs: releasedAt - grantedAt,
  releaseSentAt: releasedAt,
  releasedAt,
});

describe('drawHolds', () => {
  it('draws the same holds for the same seed, within the bounds', () => {
    const first = drawHolds(7, 64, 30, 50, 200);
    expect(drawHolds(7, 64, 30, 50, 200)).toEqual(first);
    expect(drawHolds(8, 64, 30, 50, 200)).not.toEqual(first);
    const all = first.flat();
    expect(all).toHaveLength(64 * 30);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...all)).toBeLessThanOrEqual(200);
    expect(all.every(Number.isInteger)).toBe(true);
    // Uniform over 50–200: the mean lands near 125.
    expect(all.reduce((a, b) => a + b, 0) / all.length).toBeGreaterThan(115);
    expect(all.reduce((a, b) => a + b, 0) / all.length).toBeLessThan(135);
  });

  it('ideal makespan is the sum of holds over the credentials', () => {
    expect(
      idealMakespanMs(
        [
          [100, 50],
          [150, 100],
        ],
        2,
      ),
    ).toBe(200);
  });
});

describe('handoffsMs', () => {
  it('measures release answer → next grant answer per credential, only while someone waits', () => {
    const leases = [
      lease(0, 'a', 0, 0, 100),
      // Client 1 waited since 10: the release at 100 → its grant at 103 is a 3 ms hand-off.
      lease(1, 'a', 10, 103, 200),
      // Nobody waited at 200 (client 2 only wanted it at 500): that gap is not a hand-off.
      lease(2, 'a', 500, 501, 600),
    ];
    expect(handoffsMs(leases)).toEqual([3]);
  });

  it('counts a grant answered before the release answer as 0', () => {
    expect(handoffsMs([lease(0, 'a', 0, 0, 100), lease(1, 'a', 5, 98, 150)])).toEqual([0]);
  });

  it('keeps credentials apart', () => {
    const leases = [
      lease(0, 'a', 0, 0, 100),
      lease(1, 'b', 0, 0, 50),
      lease(2, 'b', 1, 60, 120),
      lease(3, 'a', 1, 107, 130),
    ];
    expect(handoffsMs(leases).sort((x, y) => x - y)).toEqual([7, 10]);
  });
});

describe('idleFraction', () => {
  it('is the credential-time not held over credentials × run time', () => {
    // Two credentials over 100 ms: 'a' held 0–100, 'b' held 0–50 → 50 of 200 idle.
    const leases = [lease(0, 'a', 0, 0, 100), lease(1, 'b', 0, 0, 50)];
    expect(idleFraction(leases, 2, 0, 100)).toBeCloseTo(0.25);
  });

  it('counts a credential never granted as idle throughout', () => {
    expect(idleFraction([lease(0, 'a', 0, 0, 100)], 4, 0, 100)).toBeCloseTo(0.75);
  });

  it('does not count overlapping holds of one credential twice', () => {
    const leases = [lease(0, 'a', 0, 0, 60), lease(1, 'a', 0, 50, 100)];
    expect(idleFraction(leases, 1, 0, 100)).toBeCloseTo(0);
  });
});

describe('fair share', () => {
  it('counts grants answered within the first 80 % of the run per client', () => {
    const leases = [
      lease(0, 'a', 0, 10, 20),
      lease(0, 'a', 0, 79, 85),
      lease(1, 'b', 0, 30, 40),
      lease(1, 'b', 0, 81, 100),
    ];
    expect(grantsInWindow(leases, 3, 0, 100)).toEqual([2, 1, 0]);
  });

  it('reports the largest deviation from the mean and Jain index', () => {
    expect(maxDeviationFromMean([10, 10, 10])).toBe(0);
    expect(maxDeviationFromMean([9, 10, 11])).toBeCloseTo(0.1);
    expect(maxDeviationFromMean([0, 0, 30])).toBeCloseTo(2);
    expect(jainIndex([5, 5, 5, 5])).toBeCloseTo(1);
    expect(jainIndex([12, 0, 0, 0])).toBeCloseTo(0.25);
  });
});

describe('handoffStats', () => {
  it('puts the figures of one run together', () => {
    const holds = [[100], [100]];
    const leases = [lease(0, 'a', 0, 2, 102), lease(1, 'a', 0, 104, 204)];
    const stats = handoffStats({ leases, clients: 2, credentials: 1, holds, startedAt: 0 });
    expect(stats).toMatchObject({
      count: 1,
      handoffsMs: [2],
      makespanMs: 204,
      idealMakespanMs: 200,
      grantsPerClient: [1, 1],
    });
    expect(stats.makespanOverIdeal).toBeCloseTo(1.02);
    expect(stats.idleFraction).toBeCloseTo(4 / 204);
    expect(stats.holdOverheadMs).toEqual({ timerLateMs: 0, releaseMs: 0 });
  });

  it('tells the time held beyond the drawn hold: a late timer and the release round trip', () => {
    const late: LeaseRecord = {
      client: 0,
      credentialId: 'a',
      wantedAt: 0,
      grantedAt: 10,
      holdMs: 100,
      releaseSentAt: 115,
      releasedAt: 118,
    };
    const stats = handoffStats({
      leases: [late],
      clients: 1,
      credentials: 1,
      holds: [[100]],
      startedAt: 0,
    });
    expect(stats.holdOverheadMs.timerLateMs).toBeCloseTo(5);
    expect(stats.holdOverheadMs.releaseMs).toBeCloseTo(3);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 99)).toBe(0);
  });
});

describe('handoffTargets', () => {
  const results = (ticketedGrants: number): HandoffResults => {
    const one = (value: number) => figureOf([value]);
    return {
      clients: 64,
      credentials: 10,
      holdsPerClient: 30,
      holdMs: { min: 50, max: 200 },
      seed: 1,
      maxWaitMs: 10_000,
      modes: [
        {
          mode: 'queue',
          handoffP50Ms: one(1),
          handoffP99Ms: one(4),
          handoffMaxMs: one(9),
          handoffs: one(1_900),
          idleFraction: one(0.02),
          makespanMs: one(24_500),
          idealMakespanMs: 24_000,
          makespanOverIdeal: one(1.08),
          maxDeviationFromMean: one(0.05),
          jainIndex: one(0.999),
          minGrants: one(22),
          maxGrants: one(25),
          holdTimerLateMs: one(1),
          releaseRoundTripMs: one(1),
          ticketedGrants,
          waitingAnswers: 0,
          exhaustedAnswers: 0,
        },
      ],
    };
  };

  it('judges the queue mode against the issue targets', () => {
    const rows = handoffTargets('redis', results(1_920), false);
    expect(rows.map((row) => [row.value, row.threshold, row.verdict])).toEqual([
      [4, 5, 'met'],
      [1.08, 1.05, 'not met'],
      [5, 10, 'met'],
    ]);
    expect(handoffTargets('postgres', results(1_920), false)[0]?.threshold).toBe(15);
  });

  it('gives no verdict in --quick and no figure when the store answered as v1', () => {
    expect(handoffTargets('redis', results(1_920), true).every((row) => !row.verdict)).toBe(true);
    const v1Only = handoffTargets('redis', results(0), false);
    expect(v1Only.map((row) => [row.value, row.verdict])).toEqual([
      [null, 'not measured'],
      [null, 'not measured'],
      [null, 'not measured'],
    ]);
  });
});
