import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runClosedLoop } from '../src/load/closed-loop.ts';
import { cpuMeter, cpuSpent, serverProcessOf } from '../src/measure/cpu-meter.ts';

/** Burns CPU in this process for about `ms` of wall time. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) Math.sqrt(Math.random());
}

/** Burns at least `ms` of this process's CPU time, however loaded the machine is. */
function spinCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
    spin(1);
  }
}

describe('cpuMeter', () => {
  it('reads what this process and a busy child spend, from /proc', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;) Math.sqrt(Math.random())']);
    try {
      const meter = cpuMeter({ brokerPid: child.pid! });
      const before = meter.read();
      spinCpu(100);
      // The child gets its share of a loaded machine sooner or later; /proc counts 10 ms ticks.
      let spent = cpuSpent(before, meter.read());
      for (let i = 0; i < 100 && (spent.broker ?? 0) < 100; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        spent = cpuSpent(before, meter.read());
      }
      expect(spent.bench).toBeGreaterThanOrEqual(100);
      expect(spent.broker).toBeGreaterThanOrEqual(100);
      expect(spent.server).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('leaves out a source a reading lacks, and never goes negative', () => {
    expect(cpuSpent({ bench: 5, broker: 10 }, { bench: 7, server: 3 })).toEqual({ bench: 2 });
    expect(cpuSpent({ bench: 9 }, { bench: 7 })).toEqual({ bench: 0 });
  });

  it('names the server processes of each store kind', () => {
    expect(serverProcessOf('postgres')).toBe('postgres');
    expect(serverProcessOf('pgbouncer-1.24')).toBe('postgres');
    expect(serverProcessOf('redis-cluster-wait1')).toBe('redis-server');
    expect(serverProcessOf('pglite')).toBeUndefined();
  });

  it('brackets the closed loop window: only CPU spent inside it is counted', async () => {
    // Busy through the warm-up (about 200 ms of CPU), idle in the measured window.
    const busyUntil = performance.now() + 200;
    const result = await runClosedLoop({
      concurrency: 1,
      warmupMs: 200,
      durationMs: 200,
      cpuMeter: cpuMeter({}),
      step: () => {
        if (performance.now() < busyUntil) spin(5);
        return new Promise((resolve) => setTimeout(() => resolve('granted'), 5));
      },
    });
    expect(result.cpuMs?.bench).toBeDefined();
    expect(result.cpuMs!.bench!).toBeLessThan(120);
  });
});
