import { describe, expect, it } from 'vitest';
import {
  CLOCK_SAMPLE_WINDOW_MS,
  RedisClockEstimate,
  deadlineMarginMs,
} from '../src/redis-clock.js';

/** Redis runs 1,000,000 ms ahead of the local monotonic clock in these cases. */
const TRUE_OFFSET = 1_000_000;

describe('the Redis clock estimate', () => {
  it('keeps the tightest lower bound: a slow reply never moves it up', () => {
    const estimate = new RedisClockEstimate();
    expect(estimate.offsetMs(0)).toBeUndefined();
    // Stamped by Redis at local 100, received at 400 (slow) and at 510 (fast).
    estimate.observe(100 + TRUE_OFFSET, 400);
    estimate.observe(500 + TRUE_OFFSET, 510);
    expect(estimate.offsetMs(600)).toBe(TRUE_OFFSET - 10);
    estimate.observe(700 + TRUE_OFFSET, 1_500);
    expect(estimate.offsetMs(1_600)).toBe(TRUE_OFFSET - 10);
  });

  it('drops samples older than two windows and everything on forget()', () => {
    const estimate = new RedisClockEstimate();
    estimate.observe(TRUE_OFFSET, 0);
    expect(estimate.offsetMs(CLOCK_SAMPLE_WINDOW_MS + 1)).toBe(TRUE_OFFSET);
    expect(estimate.offsetMs(3 * CLOCK_SAMPLE_WINDOW_MS)).toBeUndefined();
    estimate.observe(10_000 + TRUE_OFFSET, 10_000);
    estimate.forget();
    expect(estimate.offsetMs(10_001)).toBeUndefined();
  });

  it('follows a server whose clock is now behind, within two windows', () => {
    const estimate = new RedisClockEstimate();
    estimate.observe(TRUE_OFFSET, 0);
    estimate.observe(1_000 + TRUE_OFFSET - 5_000, 1_000);
    expect(estimate.offsetMs(1_000)).toBe(TRUE_OFFSET);
    estimate.observe(2 * CLOCK_SAMPLE_WINDOW_MS + TRUE_OFFSET - 5_000, 2 * CLOCK_SAMPLE_WINDOW_MS);
    expect(estimate.offsetMs(2 * CLOCK_SAMPLE_WINDOW_MS)).toBe(TRUE_OFFSET - 5_000);
  });

  it('leaves most of the timeout to Redis', () => {
    expect(deadlineMarginMs(2_000)).toBe(250);
    expect(deadlineMarginMs(300)).toBe(75);
  });
});
