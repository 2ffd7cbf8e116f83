import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from '../src/index.js';

describe('AuthFailureLimiter', () => {
  it('blocks an address for the rest of its window once it used up its failures', () => {
    let now = 1_000;
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 60_000 }, () => now);
    limiter.recordFailure('10.9.9.9');
    expect(limiter.blockedForMs('10.9.9.9')).toBeUndefined();
    now += 10_000;
    limiter.recordFailure('10.9.9.9');
    expect(limiter.blockedForMs('10.9.9.9')).toBe(50_000);
    expect(limiter.blockedForMs('10.8.8.8')).toBeUndefined();
    now += 49_999;
    expect(limiter.blockedForMs('10.9.9.9')).toBe(1);
    now += 1;
    expect(limiter.blockedForMs('10.9.9.9')).toBeUndefined();
    // A new window starts from scratch.
    limiter.recordFailure('10.9.9.9');
    expect(limiter.blockedForMs('10.9.9.9')).toBeUndefined();
  });

  it('tracks a bounded number of addresses, dropping the oldest', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 1, windowMs: 60_000 }, () => 0);
    for (let i = 0; i <= 10_000; i++) limiter.recordFailure(`addr-${i}`);
    expect(limiter.blockedForMs('addr-0')).toBeUndefined();
    expect(limiter.blockedForMs('addr-1')).toBe(60_000);
    expect(limiter.blockedForMs('addr-10000')).toBe(60_000);
  });
});
