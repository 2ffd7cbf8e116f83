import { describe, expect, it } from 'vitest';
import { BrokerError, heartbeatRetryDelayMs, poolWaitDelayMs } from '../src/index.js';
import { waitForGrant } from '../src/pool-wait.js';

describe('wait schedule', () => {
  it('uses retryAfterMs when given, else 500/1000/2000/4000/5000 with ±25% jitter, floor 100', () => {
    expect(poolWaitDelayMs(0, 2_000)).toBe(2_000);
    expect(poolWaitDelayMs(3, 10)).toBe(100);
    const schedule = [500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000];
    schedule.forEach((base, attempt) => {
      expect(poolWaitDelayMs(attempt, undefined, () => 0)).toBe(base * 0.75);
      expect(poolWaitDelayMs(attempt, undefined, () => 0.5)).toBe(base);
      expect(poolWaitDelayMs(attempt, undefined, () => 1)).toBe(base * 1.25);
    });
  });

  it('retries heartbeats after 1, 3, then 5 s', () => {
    expect([0, 1, 2, 3, 9].map(heartbeatRetryDelayMs)).toEqual([1_000, 3_000, 5_000, 5_000, 5_000]);
  });
});

describe('waitForGrant', () => {
  const exhausted = () =>
    new BrokerError('POOL_EXHAUSTED', 'No available credential for kind "k".', {
      httpStatus: 409,
      retryAfterMs: 100,
    });

  it('retries only an exhausted pool, including the legacy code', async () => {
    let calls = 0;
    const result = await waitForGrant(
      () => {
        calls += 1;
        if (calls === 1) return Promise.reject(exhausted());
        if (calls === 2)
          return Promise.reject(
            new BrokerError('NO_CREDENTIAL_AVAILABLE', 'legacy', {
              httpStatus: 200,
              retryAfterMs: 100,
            }),
          );
        return Promise.resolve('granted');
      },
      { waitTimeoutMs: 10_000, what: 'x' },
    );
    expect(result).toBe('granted');
    expect(calls).toBe(3);

    const other = new BrokerError('AUTH_INVALID', 'nope', { httpStatus: 401 });
    await expect(
      waitForGrant(() => Promise.reject(other), { waitTimeoutMs: 10_000, what: 'x' }),
    ).rejects.toBe(other);
  });

  it('gives up with the last POOL_EXHAUSTED error saying how long it waited', async () => {
    const events: number[] = [];
    const error = await waitForGrant(() => Promise.reject(exhausted()), {
      waitTimeoutMs: 250,
      what: 'x',
      onWait: (event) => events.push(event.nextDelayMs),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ code: 'POOL_EXHAUSTED', httpStatus: 409, transient: false });
    expect((error as BrokerError).message).toMatch(/Waited \d+\.\d s \(limit 0\.3 s\)/);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((delay) => delay <= 250)).toBe(true);
  });

  it('stops waiting as soon as the signal fires', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = waitForGrant(() => Promise.reject(exhausted()), {
      waitTimeoutMs: 60_000,
      what: 'x',
      signal: controller.signal,
      onWait: () => setTimeout(() => controller.abort(new Error('test cancel')), 10),
    });
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
