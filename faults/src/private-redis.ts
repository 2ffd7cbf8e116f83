import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from './child-process.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './sleep.ts';
import { tcpExchange } from './tcp-probe.ts';

/**
 * A Redis server of our own, in a temp dir on a free port, so the harness can crash and
 * restart it without touching the shared Redis on :6379 that other tests use. AOF with
 * fsync on every write: an acknowledged grant must survive a SIGKILL.
 */
export class PrivateRedis {
  readonly port: number;
  readonly dir: string;
  private child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  static async start(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'qa-faults-redis-'));
    const redis = new PrivateRedis(await freePort(), dir);
    try {
      await redis.launch();
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    args.push(
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--logfile',
      join(this.dir, 'redis.log'),
    );
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    const child = this.child;
    await waitFor(
      `redis-server on port ${this.port}`,
      async () => {
        if (child.exitCode !== null) throw new Error('redis-server exited');
        return (await tcpExchange(this.port, 'PING\r\n')).startsWith('+PONG');
      },
      10_000,
    );
  }

  /** Crashes it (SIGKILL: no chance to flush anything more) and starts it again on the same files. */
  async restart(downMs: number): Promise<void> {
    await this.kill();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.launch();
  }

  private async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
