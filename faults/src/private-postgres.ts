import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './child-process.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './sleep.ts';
import { tcpExchange } from './tcp-probe.ts';

/** Postgres refuses to run as root: as root, run its tools as the `postgres` user. */
async function asPostgresUser(): Promise<{ prefix: string[]; uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const uid = Number((await runCommand('id', ['-u', 'postgres'])).trim());
  const gid = Number((await runCommand('id', ['-g', 'postgres'])).trim());
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid, gid };
}

/**
 * A PostgreSQL cluster of our own (initdb in a temp dir, a free port, trust auth, fsync
 * on), so the harness can crash and restart it without touching the shared server on
 * :5432. `restart` is an immediate stop (a crash: recovery replays the WAL) and a start.
 */
export class PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  private readonly prefix: string[];

  private constructor(port: number, dir: string, prefix: string[]) {
    this.port = port;
    this.dir = dir;
    this.prefix = prefix;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'qa-faults-pg-'));
    const user = await asPostgresUser();
    if (user.uid !== undefined && user.gid !== undefined) await chown(dir, user.uid, user.gid);
    const postgres = new PrivatePostgres(await freePort(), dir, user.prefix);
    try {
      await postgres.run('initdb', [
        '-D',
        postgres.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      await postgres.launch();
    } catch (error) {
      await postgres.stop();
      throw error;
    }
    return postgres;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private run(tool: string, args: string[]): Promise<string> {
    const [command, ...rest] = [...this.prefix, tool, ...args];
    return runCommand(command!, rest);
  }

  private async launch(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`;
    await this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      'start',
    ]);
    // An SSLRequest answered with one byte means the server accepts connections.
    await waitFor(
      `postgres on port ${this.port}`,
      async () => {
        const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        return (await tcpExchange(this.port, sslRequest)).length > 0;
      },
      10_000,
    );
  }

  async restart(downMs: number): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(
      () => undefined,
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}
