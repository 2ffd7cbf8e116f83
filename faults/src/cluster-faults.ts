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
 * Kills (SIGKILL) the primary that owns `kind` with its replica in sync: the cluster
 * promotes the replica by itself, and the killed node comes back as its replica.
 */
export function killPrimary(targets: ClusterTargets, kind: string): Promise<void> {
  const { cluster, ctx } = targets;
  return recordFault(targets, 'primary-killed', `SIGKILL of ${kind}'s primary`, async () => {
    const primary = await cluster.primaryOf(kindTag(kind), cluster.ports[0]!);
    const replica = await cluster.replicaOf(primary);
    cluster.signal(await cluster.pidOf(primary), 'SIGKILL');
    await cluster.awaitPromotion(replica);
    await snapshotAfter(ctx, 'after primary killed');
    await cluster.restartNode(primary);
  });
}

/**
 * A primary lost while its replica lags by `lagMs`: the replica dies first (SIGKILL), the
 * primary goes on alone for `lagMs`, then dies too. The replica comes back first, on its
 * own files, and takes over (CLUSTER FAILOVER TAKEOVER) with what it had; the old primary
 * comes back as its replica and is resynchronized from it, so the writes of those `lagMs`
 * are gone. (Pausing a replica instead does not make it lag: what the primary sent waits
 * in the paused replica's socket buffer and arrives when it resumes.) Grants acknowledged
 * in the window are lost unless the brokers wait for a replica (--store-redis-wait-replicas
 * 1): then those writes were never acknowledged.
 */
export function loseLaggingPrimary(
  targets: ClusterTargets,
  kind: string,
  lagMs: number,
): Promise<void> {
  const { cluster, ctx } = targets;
  const detail = `${kind}'s primary lost with its replica ${lagMs} ms behind`;
  return recordFault(targets, 'primary-lost-lagging', detail, async () => {
    const primary = await cluster.primaryOf(kindTag(kind), cluster.ports[0]!);
    const replica = await cluster.replicaOf(primary);
    cluster.signal(await cluster.pidOf(replica), 'SIGKILL');
    await sleep(lagMs);
    cluster.signal(await cluster.pidOf(primary), 'SIGKILL');
    await cluster.startNodeOnly(replica);
    await cluster.takeOver(replica);
    await snapshotAfter(ctx, 'after lagging primary lost');
    await cluster.restartNode(primary);
  });
}
