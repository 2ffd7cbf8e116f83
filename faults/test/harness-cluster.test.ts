import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFaults } from '../src/run.ts';
import { formatSummary } from '../src/summary.ts';

const SERVER_DIST = join(import.meta.dirname, '..', '..', 'packages', 'server', 'dist', 'cli.js');

/**
 * The cluster run: three brokers on a private 3-primary, 3-replica Redis Cluster, waiting for
 * one replica after each change (--store-redis-wait-replicas 1, the mode the README calls
 * safe), while brokers are killed, paused and skewed, one kind's primary fails over
 * gracefully (CLUSTER FAILOVER), another's is killed (the cluster promotes its replica),
 * and one is lost while its replica is 500 ms behind (the replica takes over).
 */
describe('fault harness on a Redis Cluster', () => {
  it('loses no acknowledged grant and breaks no rule across a graceful failover and a killed primary', async () => {
    expect(existsSync(SERVER_DIST), `${SERVER_DIST} is missing: run "pnpm build" first`).toBe(true);
    const seed = Math.floor(Math.random() * 2 ** 31);
    const report = await runFaults({ store: 'redis-cluster', long: false, seed, waitReplicas: 1 });
    const { summary } = report;
    console.log(formatSummary('redis-cluster', seed, summary));

    expect(report.result.violations, `seed ${seed}, logs in ${report.logDir}`).toEqual([]);
    expect(summary.lostAcknowledgedGrants).toBe(0);
    // A green verdict means something only if grants happened and both failovers did.
    expect(summary.grants).toBeGreaterThan(10);
    expect(summary.faultsByName['primary-failover']).toBe(1);
    expect(summary.faultsByName['primary-killed']).toBe(1);
    expect(summary.faultsByName['primary-lost-lagging']).toBe(1);
    const labels = new Set(report.history.snapshots?.map((snapshot) => snapshot.label));
    for (const label of [
      'after primary failover',
      'after primary killed',
      'after lagging primary lost',
    ])
      expect(labels, label).toContain(label);
    expect(summary.grantEvents).toBeGreaterThanOrEqual(summary.grants);
  }, 180_000);
});
