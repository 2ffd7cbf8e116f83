import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitFor } from './sleep.ts';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'redis-cluster.sh');
const NODES = 6;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

/** Six consecutive free ports whose cluster bus ports (+10000) are free too. */
async function freePortRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 2_000) * 10;
    const ports = Array.from({ length: NODES }, (_, i) => base + i);
    const free = await Promise.all([...ports, ...ports.map((port) => port + 10_000)].map(portFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error('found no 6 free consecutive ports for a private Redis Cluster');
}

export interface ClusterNodeInfo {
  port: number;
  role: 'master' | 'slave';
  /** The port of its primary, for a replica. */
  primaryPort?: number;
}

/**
 * A Redis Cluster of our own (3 primaries, 3 replicas, AOF) made by scripts/redis-cluster.sh
 * in a temp dir on free ports, so the harness can fail primaries over and kill them without
 * touching the shared cluster the tests use. Brokers connect to it directly: a TCP proxy
 * cannot sit in front of a cluster, whose nodes announce their own addresses.
 */
export class PrivateRedisCluster {
  readonly firstPort: number;
  readonly dir: string;

  private constructor(firstPort: number, dir: string) {
    this.firstPort = firstPort;
    this.dir = dir;
  }

  static async start(): Promise<PrivateRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'qa-faults-redis-cluster-'));
    const cluster = new PrivateRedisCluster(await freePortRange(), join(dir, 'nodes'));
    try {
      await cluster.script('start');
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get url(): string {
    const seeds = [0, 1, 2].map((i) => `127.0.0.1:${this.firstPort + i}`);
    return `redis-cluster://${seeds.join(',')}`;
  }

  get ports(): number[] {
    return Array.from({ length: NODES }, (_, i) => this.firstPort + i);
  }

  private async script(...args: string[]): Promise<string> {
    const { stdout } = await run(SCRIPT, args, {
      env: {
        ...process.env,
        QA_BROKER_REDIS_CLUSTER_DIR: this.dir,
        QA_BROKER_REDIS_CLUSTER_PORT: String(this.firstPort),
      },
    });
    return stdout;
  }

  async pidOf(port: number): Promise<number> {
    return Number((await this.script('pid', String(port))).trim());
  }

  /** A short-lived connection to one node. */
  private async withNode<T>(port: number, work: (node: Redis) => Promise<T>): Promise<T> {
    const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    node.on('error', () => undefined);
    try {
      await node.connect();
      return await work(node);
    } finally {
      node.disconnect();
    }
  }

  /** Roles as one live node sees them (failed nodes left out). */
  async topology(askPort: number): Promise<ClusterNodeInfo[]> {
    const text = await this.withNode(askPort, (node) => node.cluster('NODES') as Promise<string>);
    const lines = text.trim().split('\n');
    const portById = new Map<string, number>();
    for (const line of lines) {
      const [id, address] = line.split(' ');
      portById.set(id!, Number(/:(\d+)@/.exec(address!)?.[1]));
    }
    return lines.flatMap((line): ClusterNodeInfo[] => {
      const [, address, flags, primaryId] = line.split(' ');
      if (!flags || /fail|handshake|noaddr/.test(flags)) return [];
      const port = Number(/:(\d+)@/.exec(address!)?.[1]);
      if (flags.includes('master')) return [{ port, role: 'master' as const }];
      return [{ port, role: 'slave' as const, primaryPort: portById.get(primaryId!) ?? 0 }];
    });
  }

  /** The port of the primary that owns `key`'s slot, asked of any live node. */
  async primaryOf(key: string, askPort: number): Promise<number> {
    const slot = await this.withNode(askPort, (node) => node.cluster('KEYSLOT', key));
    const slots = await this.withNode(askPort, (node) => node.cluster('SLOTS'));
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    const port = range?.[2]?.[1];
    if (port === undefined) throw new Error(`no node owns slot ${slot}`);
    return port;
  }

  async replicaOf(primaryPort: number): Promise<number> {
    const replica = (await this.topology(primaryPort)).find(
      (node) => node.role === 'slave' && node.primaryPort === primaryPort,
    );
    if (!replica) throw new Error(`the primary on ${primaryPort} has no replica`);
    return replica.port;
  }

  /** A graceful, coordinated failover: the replica takes over once it has caught up. */
  async failoverGracefully(replicaPort: number): Promise<void> {
    await this.withNode(replicaPort, (node) => node.cluster('FAILOVER'));
    await waitFor(
      `replica ${replicaPort} to become primary`,
      async () =>
        (await this.topology(replicaPort)).some(
          (n) => n.port === replicaPort && n.role === 'master',
        ),
      15_000,
      100,
    );
  }

  /**
   * CLUSTER FAILOVER TAKEOVER: the replica takes its primary's slots at once, asking no one
   * (the operator's move when a primary and its replica were both lost and the replica is
   * back first). It keeps whatever data it has.
   */
  async takeOver(replicaPort: number): Promise<void> {
    await this.withNode(replicaPort, (node) => node.cluster('FAILOVER', 'TAKEOVER'));
    await this.awaitPromotion(replicaPort);
  }

  signal(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }

  /** Waits until `replicaPort` owns its old primary's slots (after the primary died). */
  async awaitPromotion(replicaPort: number): Promise<void> {
    await waitFor(
      `replica ${replicaPort} to be promoted`,
      async () =>
        (await this.topology(replicaPort)).some(
          (n) => n.port === replicaPort && n.role === 'master',
        ),
      20_000,
      100,
    );
  }

  /** Starts a killed node again on its own files, without waiting for the cluster to heal. */
  async startNodeOnly(port: number): Promise<void> {
    await this.script('start-node', String(port));
  }

  /** Starts a killed node again on its own files; it rejoins as a replica of its successor. */
  async restartNode(port: number): Promise<void> {
    await this.script('start-node', String(port));
    await waitFor(
      `node ${port} to rejoin as a replica`,
      () => this.script('status').then(() => true),
      20_000,
      200,
    );
  }

  async stop(): Promise<void> {
    await this.script('stop').catch(() => undefined);
    await rm(join(this.dir, '..'), { recursive: true, force: true });
  }
}
