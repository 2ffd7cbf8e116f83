import { describe, expect, it } from 'vitest';
import { fairnessOf, figureOf, ratio } from '../src/measure/stats.ts';

describe('figureOf', () => {
  it('takes the middle run as the median of an odd count', () => {
    expect(figureOf([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30, runs: [30, 10, 20] });
  });

  it('averages the two middle runs of an even count', () => {
    expect(figureOf([4, 1, 3, 2]).median).toBe(2.5);
  });
});

describe('fairnessOf', () => {
  it('scores an even spread as perfectly fair', () => {
    const fairness = fairnessOf([5, 5, 5, 5]);
    expect(fairness.jainIndex).toBeCloseTo(1);
    expect(fairness.coefficientOfVariation).toBeCloseTo(0);
    expect([fairness.minGrants, fairness.maxGrants]).toEqual([5, 5]);
  });

  it('scores one client taking everything as 1/n', () => {
    const fairness = fairnessOf([12, 0, 0, 0]);
    expect(fairness.jainIndex).toBeCloseTo(0.25);
    expect(fairness.coefficientOfVariation).toBeCloseTo(Math.sqrt(3));
  });
});

describe('ratio', () => {
  it('is null when a side is missing or the divisor is zero', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(undefined, 4)).toBeNull();
    expect(ratio(10, 0)).toBeNull();
  });
});
