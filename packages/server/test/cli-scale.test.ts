import { describe, expect, it } from 'vitest';
import { directPooledRoleUrl, pgbouncerUrl } from '../../store-postgres/test/support/pgbouncer.js';
import { dropSchema, randomSchemaName } from '../../store-postgres/test/support/postgres-server.js';
import {
  TEST_REDIS_CLUSTER_URL,
  deleteKeysOf,
  openClusterAdminClient,
  randomPrefix,
} from '../../store-redis/test/support/test-redis.js';
import { run } from '../src/cli.js';
import { Capture } from './support/capture.js';
import { okBody } from './support/expect-response.js';
import { contractClient } from './support/harness.js';

function io(env: Record<string, string> = {}, signal?: AbortSignal) {
  const stdout = new Capture();
  const stderr = new Capture();
  return { stdout, stderr, io: { env, stdout, stderr, ...(signal ? { signal } : {}) } };
}

const secrets = { QA_BROKER_SECRET_MAINTAINER: 'fake-m', QA_BROKER_SECRET_CI: 'fake-c' };

describe('qa-broker-server on the deployments at scale', () => {
  it('exits with a configuration error, not "retry shortly", when PgBouncer refuses a startup parameter', async () => {
    const started = io(secrets);
    const url = pgbouncerUrl('1.18'); // without ?pooler=transaction
    expect(
      await run(['serve', '--port', '0', '--store', url, '--schema', 'qa_cli_pgb'], started.io),
    ).toBe(1);
    expect(started.stderr.text).toContain('refused the connection parameter "statement_timeout"');
    expect(started.stderr.text).toContain('pooler=transaction');
    expect(started.stderr.text).not.toMatch(/retry shortly/);
  });

  it('refuses --store-listen-url for a redis store and with --store-notify off', async () => {
    const listen = ['--store-listen-url', directPooledRoleUrl()];
    const onRedis = io(secrets);
    expect(
      await run(
        ['serve', '--port', '0', '--store', 'redis://127.0.0.1:6379', ...listen],
        onRedis.io,
      ),
    ).toBe(1);
    expect(onRedis.stderr.text).toContain('--store-listen-url only applies to a postgres:// store');
    const pooled = `${pgbouncerUrl('1.24')}?pooler=transaction`;
    const notifyOff = io(secrets);
    const args = ['serve', '--port', '0', '--store', pooled, '--store-notify', 'off', ...listen];
    expect(await run(args, notifyOff.io)).toBe(1);
    expect(notifyOff.stderr.text).toContain('--store-notify is off (poll-only, no LISTEN)');
  });

  it('serves through PgBouncer with a direct --store-listen-url, its password redacted in the start line', async () => {
    const schema = randomSchemaName('cli_listen');
    const controller = new AbortController();
    const { stderr, stdout, io: cliIo } = io(secrets, controller.signal);
    const args = [
      'serve',
      '--port',
      '0',
      '--store',
      `${pgbouncerUrl('1.24')}?pooler=transaction`,
      '--schema',
      schema,
      '--store-listen-url',
      directPooledRoleUrl('postgres', 'fake-listen-secret'),
    ];
    const exit = run(args, cliIo);
    try {
      const [line] = await stderr.waitFor(/listening on .*\n/);
      expect(line).toContain('wake-ups LISTEN on postgres://qa_broker_pooled:***@127.0.0.1:');
      expect(stderr.text + stdout.text).not.toContain('fake-listen-secret');
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      await dropSchema(schema);
    }
  });

  it('exits naming redis-cluster:// when a redis:// URL points at a cluster node', async () => {
    const started = io(secrets);
    const node = TEST_REDIS_CLUSTER_URL.replace(/^redis-cluster:\/\//, '').split(',')[0]!;
    expect(await run(['serve', '--port', '0', '--store', `redis://${node}`], started.io)).toBe(1);
    expect(started.stderr.text).toContain('redis-cluster://host:port');
  });

  it('refuses a --store-redis-wait-replicas that is not a small whole number', async () => {
    const started = io(secrets);
    const args = ['serve', '--store', TEST_REDIS_CLUSTER_URL, '--store-redis-wait-replicas', 'one'];
    expect(await run(args, started.io)).toBe(1);
    expect(started.stderr.text).toContain('--store-redis-wait-replicas must be an integer');
  });

  it('serves on a redis-cluster:// store with replica confirmation, ready while the cluster is', async () => {
    const prefix = randomPrefix();
    const controller = new AbortController();
    const { stderr, io: cliIo } = io(secrets, controller.signal);
    const args = [
      'serve',
      '--port',
      '0',
      '--store',
      TEST_REDIS_CLUSTER_URL,
      '--redis-prefix',
      prefix,
      '--store-redis-wait-replicas',
      '1',
    ];
    const exit = run(args, cliIo);
    try {
      const [, url] = await stderr.waitFor(/listening on (http:\/\/\S+)/);
      expect((await fetch(new URL('/readyz', url))).status).toBe(200);
      const maintainer = contractClient(url!, 'fake-m');
      okBody(await maintainer.admin.add({ body: { kind: 'cluster-cli', payload: { fake: 'x' } } }));
      const listed = okBody(await maintainer.admin.list({ body: { status: 'all' } }));
      expect(listed.credentials.map((credential) => credential.kind)).toEqual(['cluster-cli']);
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      const admin = await openClusterAdminClient();
      await deleteKeysOf(admin, prefix).finally(() => admin.disconnect());
    }
  });
});
