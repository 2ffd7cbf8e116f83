import { spawnChild } from '../child/spawn-child.ts';
import type { BenchOptions } from '../cli/options.ts';
import { makePool } from '../http/make-pool.ts';
import { runClosedLoop } from '../load/closed-loop.ts';
import { cpuMeter } from '../measure/cpu-meter.ts';
import { progress } from '../progress.ts';
import type { CycleFigures } from '../report/results.ts';
import { repeat } from './repeat.ts';
import { floorCycle } from './steps.ts';
import { summarizeCycles } from './summarize.ts';

/** The HTTP floor at every concurrency, driven by the same generator as the broker. */
export async function benchHttpFloor(options: BenchOptions): Promise<CycleFigures[]> {
  const child = await spawnChild(new URL('../child/floor-entry.ts', import.meta.url), {}, 'floor');
  const pool = makePool(child.port, Math.max(...options.concurrency));
  try {
    const figures: CycleFigures[] = [];
    for (const concurrency of options.concurrency) {
      const runs = await repeat(options.runs, () =>
        runClosedLoop({
          concurrency,
          warmupMs: options.warmupMs,
          durationMs: options.durationMs,
          step: floorCycle(pool),
          cpuMeter: cpuMeter({ brokerPid: child.pid }),
        }),
      );
      const cell = summarizeCycles(concurrency, runs);
      progress(
        `http floor c=${concurrency}: ${Math.round(cell.cyclesPerS.median)} cycles/s (2 POSTs each), p99 ${cell.cycleP99Ms.median} ms`,
      );
      figures.push(cell);
    }
    return figures;
  } finally {
    await pool.close();
    await child.stop();
  }
}
