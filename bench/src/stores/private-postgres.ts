import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed:\n${output.slice(-2_000)}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A PostgreSQL cluster for one bench run (`--postgres-private`): initdb in a temp dir, a
 * free loopback port, trust auth, fsync and synchronous_commit on like the shared
 * server, plus pg_stat_statements with planning time tracked — which needs
 * shared_preload_libraries, so a server restart the shared one cannot have. Its WAL
 * counters are then this bench's alone. As root the tools run as the postgres user.
 */
export class PrivatePostgres {
  readonly port: number;
  private readonly dir: string;
  private readonly prefix: string[];

  private constructor(port: number, dir: string, prefix: string[]) {
    this.port = port;
    this.dir = dir;
    this.prefix = prefix;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'qa-bench-pg-'));
    let prefix: string[] = [];
    if (process.getuid?.() === 0) {
      const uid = Number((await run('id', ['-u', 'postgres'])).trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).trim());
      await chown(dir, uid, gid);
      prefix = ['runuser', '-u', 'postgres', '--'];
    }
    const cluster = new PrivatePostgres(await freePort(), dir, prefix);
    try {
      await cluster.tool('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust']);
      const settings = [
        `-p ${cluster.port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=on',
        '-c synchronous_commit=on',
        '-c max_connections=200',
        '-c shared_preload_libraries=pg_stat_statements',
        '-c pg_stat_statements.track_planning=on',
      ].join(' ');
      await cluster.tool('pg_ctl', [
        '-D',
        cluster.dataDir,
        '-o',
        settings,
        '-l',
        join(dir, 'server.log'),
        '-w',
        'start',
      ]);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private tool(name: string, args: string[]): Promise<string> {
    const [command, ...rest] = [...this.prefix, name, ...args];
    return run(command!, rest);
  }

  async stop(): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']).catch(
      () => undefined,
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}
