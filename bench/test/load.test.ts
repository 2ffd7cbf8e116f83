import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runClosedLoop } from '../src/load/closed-loop.ts';
import { runOpenLoop } from '../src/load/open-loop.ts';

describe('runOpenLoop', () => {
  it('sends exactly rate × duration operations', async () => {
    const result = await runOpenLoop({
      ratePerS: 200,
      durationMs: 250,
      maxInFlight: 100,
      drainMs: 1_000,
      fire: () => Promise.resolve(),
    });
    expect(result).toMatchObject({
      scheduled: 50,
      completed: 50,
      failed: 0,
      notSent: 0,
      unanswered: 0,
    });
  });

  it('charges a stall to every operation queued behind it (no coordinated omission)', async () => {
    const latencies: number[] = [];
    let first = true;
    await runOpenLoop({
      ratePerS: 100,
      durationMs: 200,
      maxInFlight: 1,
      drainMs: 2_000,
      fire: async (scheduledAtMs) => {
        if (first) {
          first = false;
          await sleep(150);
        }
        latencies.push(performance.now() - scheduledAtMs);
      },
    });
    // Op 1 was due 10 ms after op 0 but could only start after the 150 ms stall.
    expect(latencies).toHaveLength(20);
    expect(latencies[1]).toBeGreaterThan(120);
  });
});

describe('runClosedLoop', () => {
  it('counts grants and exhausted answers per worker inside the window', async () => {
    let calls = 0;
    const result = await runClosedLoop({
      concurrency: 4,
      warmupMs: 20,
      durationMs: 150,
      step: async () => {
        calls += 1;
        await sleep(2);
        return calls % 2 === 0 ? 'granted' : 'exhausted';
      },
    });
    expect(result.granted).toBeGreaterThan(0);
    expect(result.exhausted).toBeGreaterThan(0);
    expect(result.grantsPerWorker.reduce((a, b) => a + b, 0)).toBe(result.granted);
    expect(result.grantLatency.count).toBe(result.granted);
  });

  it('stops hammering a failing target after maxErrors', async () => {
    let calls = 0;
    const result = await runClosedLoop({
      concurrency: 2,
      warmupMs: 0,
      durationMs: 5_000,
      maxErrors: 10,
      step: () => {
        calls += 1;
        return Promise.reject(new Error('store down'));
      },
    });
    expect(calls).toBeLessThanOrEqual(12);
    expect(result.firstError).toBe('Error: store down');
    expect(result.granted).toBe(0);
  });
});
