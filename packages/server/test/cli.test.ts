/* eslint-disable @typescript-eslint/no-unsafe-assignment -- vitest's asymmetric matchers (expect.any) are typed any */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  POSTGRES_URL,
  dropSchema,
  randomSchemaName,
} from '../../store-postgres/test/support/postgres-server.js';
import {
  TEST_REDIS_URL,
  deleteKeysOf,
  openAdminClient,
  randomPrefix,
} from '../../store-redis/test/support/test-redis.js';
import { run } from '../src/cli.js';
import { okBody } from './support/expect-response.js';
import { Capture } from './support/capture.js';
import { contractClient } from './support/harness.js';

function io(env: Record<string, string> = {}, signal?: AbortSignal) {
  const stdout = new Capture();
  const stderr = new Capture();
  return { stdout, stderr, io: { env, stdout, stderr, ...(signal ? { signal } : {}) } };
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qa-broker-cli-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('qa-broker-server CLI (in process)', () => {
  it('prints help for the top level and each command', async () => {
    const top = io();
    expect(await run(['--help'], top.io)).toBe(0);
    expect(top.stdout.text).toMatch(/serve[\s\S]*migrate/);
    const serve = io();
    expect(await run(['serve', '--help'], serve.io)).toBe(0);
    for (const flag of [
      '--host',
      '--port',
      '--store',
      'QA_BROKER_SECRET_MAINTAINER',
      'QA_BROKER_LEASE_TTL_MIN_MS',
      'QA_BROKER_ENCRYPTION_KEYS',
      '--auth-failure-limit',
      '--trust-proxy',
      '--headers-timeout-ms',
      '--request-timeout-ms',
      '--keep-alive-timeout-ms',
      '--lease-body-max-bytes',
      '--admin-body-max-bytes',
      '--store-timeout-ms',
      '--store-listen-url',
      'QA_BROKER_STORE_LISTEN_URL',
    ]) {
      expect(serve.stdout.text).toContain(flag);
    }
    const migrate = io();
    expect(await run(['migrate', '-h'], migrate.io)).toBe(0);
    expect(migrate.stdout.text).toContain('--store');
    const rotate = io();
    expect(await run(['rotate-keys', '--help'], rotate.io)).toBe(0);
    expect(rotate.stdout.text).toContain('QA_BROKER_ENCRYPTION_KEYS');
    expect(top.stdout.text).toContain('rotate-keys');
  });

  it('rotate-keys needs keys, and a bad key is a configuration error that names the variable', async () => {
    const missing = io();
    expect(await run(['rotate-keys', '--store', 'pglite:memory'], missing.io)).toBe(1);
    expect(missing.stderr.text).toContain('QA_BROKER_ENCRYPTION_KEYS');
    const bad = io({ QA_BROKER_SECRET_CI: 'fake-c', QA_BROKER_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' });
    expect(await run(['serve', '--store', 'pglite:memory'], bad.io)).toBe(1);
    expect(bad.stderr.text).toContain('QA_BROKER_ENCRYPTION_KEYS key "k1" must be 32 bytes');
    expect(bad.stderr.text).not.toContain('c2hvcnQ=');
  });

  it('serves with encryption keys: no unencrypted warning, payloads sealed under the first key', async () => {
    const controller = new AbortController();
    const key = Buffer.alloc(32, 7).toString('base64');
    const { stderr, io: cliIo } = io(
      { QA_BROKER_SECRET_MAINTAINER: 'fake-m', QA_BROKER_ENCRYPTION_KEYS: `k1:${key}` },
      controller.signal,
    );
    const exit = run(['serve', '--port', '0', '--store', 'pglite:memory'], cliIo);
    const [, url] = await stderr.waitFor(/listening on (http:\/\/\S+)/);
    const client = contractClient(url!, 'fake-m');
    okBody(await client.admin.add({ body: { kind: 'enc-cli', payload: { fake: 'sealed' } } }));
    const listed = okBody(await client.admin.list({ body: { includePayload: true } }));
    expect(listed.credentials[0]?.payload).toEqual({ fake: 'sealed' });
    controller.abort();
    expect(await exit).toBe(0);
    expect(stderr.text).not.toContain('unencrypted');
  });

  it('exits 2 on usage errors and 1 on configuration errors naming the variable', async () => {
    const none = io();
    expect(await run([], none.io)).toBe(2);
    expect(none.stderr.text).toContain('Usage');
    const unknown = io();
    expect(await run(['launch'], unknown.io)).toBe(2);
    expect(unknown.stderr.text).toContain('Unknown command "launch"');
    const badFlag = io();
    expect(await run(['serve', '--colour'], badFlag.io)).toBe(2);
    const badPort = io();
    expect(await run(['serve', '--port', 'x'], badPort.io)).toBe(1);
    expect(badPort.stderr.text).toContain('--port');
    const exposed = io();
    expect(await run(['serve', '--host', '0.0.0.0', '--store', 'pglite:memory'], exposed.io)).toBe(
      1,
    );
    expect(exposed.stderr.text).toContain('QA_BROKER_SECRET_MAINTAINER');
    const badStore = io({ QA_BROKER_STORE: 'mongodb://x' });
    expect(await run(['migrate'], badStore.io)).toBe(1);
    expect(badStore.stderr.text).toContain('QA_BROKER_STORE');
  });

  it('exits 1 naming the problem when the port is taken, and closes the store', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const taken = io({ QA_BROKER_SECRET_CI: 'fake-c' });
      expect(
        await run(['serve', '--port', String(port), '--store', 'pglite:memory'], taken.io),
      ).toBe(1);
      expect(taken.stderr.text).toContain('EADDRINUSE');
      expect(taken.stderr.text).not.toContain('listening on');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('migrates a PGlite directory once, then reports it up to date', async () => {
    const dir = await tempDir();
    const first = io();
    expect(await run(['migrate', '--store', `pglite:${dir}`], first.io)).toBe(0);
    expect(first.stdout.text).toMatch(/applied [1-9]\d* migration/);
    const second = io();
    expect(await run(['migrate', '--store', `pglite:${dir}`], second.io)).toBe(0);
    expect(second.stdout.text).toContain('already up to date');
  });

  it('serves with throwaway secrets on loopback, logs one JSON line per request, stops on abort', async () => {
    const controller = new AbortController();
    const { stdout, stderr, io: cliIo } = io({}, controller.signal);
    const exit = run(['serve', '--port', '0', '--store', 'pglite:memory'], cliIo);
    const [, url] = await stderr.waitFor(
      /listening on (http:\/\/127\.0\.0\.1:\d+\/qa-credentials\/v1)/,
    );
    const maintainer = stderr.text.match(/QA_BROKER_SECRET_MAINTAINER=(\S+)/)?.[1];
    expect(maintainer).toMatch(/^qab-dev-/);
    expect(stderr.text).toContain('WARNING');
    expect(stderr.text).toContain('payloads are stored unencrypted');

    const client = contractClient(url!, maintainer);
    okBody(await client.admin.add({ body: { kind: 'cli-kind', payload: { fake: 'value' } } }));
    const listed = okBody(await client.admin.list({ body: {} }));
    expect(listed.count).toBe(1);

    controller.abort();
    expect(await exit).toBe(0);
    const requests = stdout.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'request');
    expect(requests.map((entry) => entry.route)).toEqual([
      '/qa-credentials/v1/admin/add',
      '/qa-credentials/v1/admin/list',
    ]);
    for (const entry of requests) {
      expect(entry).toMatchObject({
        status: 200,
        requestId: expect.any(String),
        latencyMs: expect.any(Number),
      });
    }
    expect(stdout.text).not.toContain(maintainer);
    expect(stdout.text).not.toContain('"value"');
    expect(stderr.text).toContain('draining');
  });

  it('migrates a PostgreSQL schema given by --schema', async () => {
    const schema = randomSchemaName('cli');
    try {
      const first = io();
      expect(await run(['migrate', '--store', POSTGRES_URL, '--schema', schema], first.io)).toBe(0);
      expect(first.stdout.text).toMatch(/applied [1-9]\d* migration/);
      const second = io({ QA_BROKER_STORE: POSTGRES_URL, QA_BROKER_POSTGRES_SCHEMA: schema });
      expect(await run(['migrate'], second.io)).toBe(0);
      expect(second.stdout.text).toContain('already up to date');
    } finally {
      await dropSchema(schema);
    }
  });

  it('serves on Redis, warning clearly when AOF is off', async () => {
    const prefix = randomPrefix();
    const admin = await openAdminClient();
    const [, appendOnly] = (await admin.config('GET', 'appendonly')) as [string, string];
    const controller = new AbortController();
    const { stderr, io: cliIo } = io(
      { QA_BROKER_SECRET_MAINTAINER: 'fake-m', QA_BROKER_REDIS_PREFIX: prefix },
      controller.signal,
    );
    try {
      const exit = run(['serve', '--port', '0', '--store', TEST_REDIS_URL], cliIo);
      const [, url] = await stderr.waitFor(/listening on (http:\/\/\S+)/);
      const client = contractClient(url!, 'fake-m');
      okBody(await client.admin.add({ body: { kind: 'redis-cli', payload: { fake: 'x' } } }));
      controller.abort();
      expect(await exit).toBe(0);
      expect(stderr.text.includes('appendonly yes')).toBe(appendOnly !== 'yes');
      // The prefix was honoured: the credential's keys live under it.
      expect((await admin.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    } finally {
      await deleteKeysOf(admin, prefix);
      admin.disconnect();
    }
  });
});
