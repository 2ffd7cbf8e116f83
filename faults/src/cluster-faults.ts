import { takeSnapshot } from './admin.ts';
import type { FaultRecord } from './faults.ts';
import { recordFault } from './faults.ts';
import type { PrivateRedisCluster } from './private-redis-cluster.ts';
import type { RunContext } from './run-context.ts';
import { sleep } from './sleep.ts';

export interface ClusterTargets {
  ctx: RunContext;
  cluster: PrivateRedisCluster;
  faults: FaultRecord[];
}

/** Every key of a kind carries the hash tag `{<kind>}`; the harness's kinds need no escaping. */
function kindTag(kind: string): string {
  return `{${kind}}`;
}

/**
 * Lists through a broker as soon as one answers after a failover, so the checker can see
 * that every lease certainly held across it is still there with its owner.
 */
async function snapshotAfter(ctx: RunContext, label: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (await takeSnapshot(ctx, label)) return;
    await sleep(200);
  }
  throw new Error(`no broker could list credentials within 20 s (${label})`);
}

/**
 * CLUSTER FAILOVER on the replica of the primary that owns `kind`: the replica waits until
 * it has every write of its primary, then takes over. Nothing acknowledged may be lost.
 */
export function failoverPrimary(targets: ClusterTargets, kind: string): Promise<void> {
  const { cluster, ctx } = targets;
  return recordFault(
    targets,
    'primary-failover',
    `graceful failover of ${kind}'s primary`,
    async () => {
      const primary = await cluster.primaryOf(kindTag(kind), cluster.ports[0]!);
      const replica = await cluster.replicaOf(primary);
      await cluster.failoverGracefully(replica);
      await snapshotAfter(ctx, 'after primary failover');
    },
  );
}

/**
 * Kills the primary that owns `kind` while its replica lags: the replica is paused
 * (SIGSTOP) for `lagMs` first, so every write of those `lagMs` exists only on the primary
 * when it dies (SIGKILL). The replica is resumed, the cluster promotes it, and the killed
 * node comes back as its replica. Grants acknowledged in the lag window are lost unless
 * the brokers wait for a replica (--store-redis-wait-replicas 1).
 */
export function killLaggingPrimary(
  targets: ClusterTargets,
  kind: string,
  lagMs: number,
): Promise<void> {
  const { cluster, ctx } = targets;
  const detail = `SIGKILL of ${kind}'s primary, its replica ${lagMs} ms behind`;
  return recordFault(targets, 'primary-killed', detail, async () => {
    const primary = await cluster.primaryOf(kindTag(kind), cluster.ports[0]!);
    const replica = await cluster.replicaOf(primary);
    const [primaryPid, replicaPid] = await Promise.all([
      cluster.pidOf(primary),
      cluster.pidOf(replica),
    ]);
    cluster.signal(replicaPid, 'SIGSTOP');
    try {
      await sleep(lagMs);
      cluster.signal(primaryPid, 'SIGKILL');
    } finally {
      cluster.signal(replicaPid, 'SIGCONT');
    }
    await cluster.awaitPromotion(replica);
    await snapshotAfter(ctx, 'after primary killed');
    await cluster.restartNode(primary);
  });
}
