import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaultName } from '../src/faults.ts';
import { runFaults } from '../src/run.ts';
import type { StoreType } from '../src/store-events.ts';
import { formatSummary } from '../src/summary.ts';

const SERVER_DIST = join(import.meta.dirname, '..', '..', 'packages', 'server', 'dist', 'cli.js');
const EVERY_FAULT: FaultName[] = [
  'broker-kill-restart',
  'broker-pause-past-ttl',
  'broker-clock-skew',
  'store-restart',
  'store-cutoff',
  'store-slow',
];

/**
 * The short fault run, once per store, both at the same time (they share nothing: each
 * has its own private store, proxy and brokers). Brokers are real processes started from
 * packages/server/dist, which the root `pnpm test` builds first.
 */
describe.concurrent('fault harness (short run)', () => {
  it.each<StoreType>(['redis', 'postgres'])(
    '%s: no violations while brokers and the store fail',
    async (store) => {
      expect(existsSync(SERVER_DIST), `${SERVER_DIST} is missing: run "pnpm build" first`).toBe(
        true,
      );
      const seed = Math.floor(Math.random() * 2 ** 31);
      const report = await runFaults({ store, long: false, seed });
      const { summary } = report;
      console.log(formatSummary(store, seed, summary));

      expect(report.result.violations, `seed ${seed}, broker logs in ${report.logDir}`).toEqual([]);
      // A green verdict means something only if the run really did work and really hurt.
      expect(summary.operations).toBeGreaterThan(150);
      expect(summary.grants).toBeGreaterThan(15);
      expect(Object.keys(summary.faultsByName).sort()).toEqual([...EVERY_FAULT].sort());
      expect(summary.effects.storeUnavailable503).toBeGreaterThan(0);
      expect(summary.effects.staleRejected).toBeGreaterThan(0);
      expect(
        report.history.snapshots?.some((snapshot) => snapshot.label === 'after store restart'),
      ).toBe(true);
      expect(summary.grantEvents).toBeGreaterThanOrEqual(summary.grants);
      // The wait queue really queued: tickets waited, were granted, and old clients were
      // shown their places; the queue rules had live waiting to judge.
      expect(summary.waiting.waitingAnswers).toBeGreaterThan(5);
      expect(summary.waiting.parkedGrants).toBeGreaterThan(5);
      expect(summary.waiting.pollingGrants).toBeGreaterThan(0);
      expect(summary.waiting.certainlyWaitingMs).toBeGreaterThan(1_000);
      expect(
        report.history.final?.drained.flatMap((entry) => entry.credentialIds).length,
      ).toBeGreaterThan(0);
    },
    110_000,
  );
});
