import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, okBody } from './support/expect-response.js';
import { Capture } from './support/capture.js';
import { CI_SECRET, MAINTAINER_SECRET, contractClient } from './support/harness.js';

const packageDir = resolve(import.meta.dirname, '..');
const bin = join(packageDir, 'bin', 'qa-broker-server.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The bin runs dist/: build it when it is missing or older than src. */
async function ensureBuilt(): Promise<void> {
  const built = await stat(join(packageDir, 'dist', 'cli.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built >= newestMtime(join(packageDir, 'src'))) return;
  const tsc = resolve(packageDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`building the server failed:\n${result.stdout}${result.stderr}`);
}

interface Spawned {
  pid: number;
  url: string;
  stderr: Capture;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

async function startBin(args: string[], extraEnv: Record<string, string> = {}): Promise<Spawned> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: packageDir,
    env: {
      ...extraEnv,
      PATH: process.env.PATH ?? '',
      QA_BROKER_SECRET_MAINTAINER: MAINTAINER_SECRET,
      QA_BROKER_SECRET_CI: CI_SECRET,
      QA_BROKER_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = new Capture();
  child.stderr.on('data', stderr.write);
  child.stdout.resume();
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const listening = stderr.waitFor(/listening on (http:\/\/\S+)/, 30_000);
  const [, url] = await Promise.race([
    listening,
    exited.then((code) => {
      throw new Error(`the server exited with ${code} before listening:\n${stderr.text}`);
    }),
  ]);
  return { pid: child.pid!, url: url!, stderr, exited, kill: (signal) => child.kill(signal) };
}

let dataDir: string;
beforeAll(async () => {
  await ensureBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'qa-broker-bin-'));
}, 120_000);
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('qa-broker-server bin', () => {
  it('refuses an old Node with one line saying what to do', () => {
    const fakeOldNode = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.11.1'})`;
    const result = spawnSync(process.execPath, ['--import', fakeOldNode, bin, '--help'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('20.11.1');
    expect(lines[0]).toContain('pnpm exec node packages/server/bin/qa-broker-server.js');
    expect(result.stdout).toBe('');
  });

  it('serves a PGlite directory, stops on SIGTERM with 0, and keeps credentials and leases across a restart', async () => {
    const first = await startBin(['serve', '--store', `pglite:${dataDir}`, '--port', '0']);
    expect(first.stderr.text).toContain(`store pglite:${dataDir}`);
    const client = contractClient(first.url, MAINTAINER_SECRET);
    const ci = contractClient(first.url, CI_SECRET);
    const { credential } = okBody(
      await client.admin.add({ body: { kind: 'bin-kind', payload: { fake: 'payload' } } }),
    );
    const lease = okBody(
      await ci.acquire({ body: { kind: 'bin-kind', ownerId: 'bin-owner', actorRole: 'ci' } }),
    );
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startBin(['serve', '--store', `pglite:${dataDir}`, '--port', '0']);
    try {
      const listed = okBody(
        await contractClient(second.url, MAINTAINER_SECRET).admin.list({ body: {} }),
      );
      expect(listed.credentials.map((c) => c.credentialId)).toEqual([credential.credentialId]);
      expect(listed.credentials[0]?.lease?.ownerId).toBe('bin-owner');
      const ci2 = contractClient(second.url, CI_SECRET);
      okBody(
        await ci2.heartbeat({
          body: {
            kind: 'bin-kind',
            ownerId: 'bin-owner',
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
          },
        }),
      );
      expectError(
        await ci2.acquire({ body: { kind: 'bin-kind', ownerId: 'other', actorRole: 'ci' } }),
        409,
        'POOL_EXHAUSTED',
      );
    } finally {
      second.kill('SIGINT');
    }
    expect(await second.exited).toBe(0);
  });

  it('runs with its V8 heap settings in the same process, so a SIGKILL reaches the broker', async () => {
    const broker = await startBin(['serve', '--store', 'pglite:memory', '--port', '0']);
    // The PID we started is the broker, re-executed with the flags (not a parent of it).
    const cmdline = readFileSync(`/proc/${broker.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('--max-semi-space-size=8');
    expect(cmdline).toContain(bin);
    broker.kill('SIGKILL');
    await broker.exited;
    await expect(fetch(`${broker.url}/healthz`)).rejects.toThrow();
  });

  it('leaves a heap setting the operator chose in NODE_OPTIONS alone', async () => {
    const broker = await startBin(['serve', '--store', 'pglite:memory', '--port', '0'], {
      NODE_OPTIONS: '--max-semi-space-size=16',
    });
    try {
      const cmdline = readFileSync(`/proc/${broker.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).not.toContain('--max-semi-space-size=8');
    } finally {
      broker.kill('SIGTERM');
    }
    expect(await broker.exited).toBe(0);
  });
});
