import { DEFAULT_LEASE_BOUNDS, POLICY } from '@qa-broker/contract';
import { describe, expect, it } from 'vitest';
import { loadMigrateConfig, loadRotateKeysConfig, loadServeConfig } from '../src/config.js';
import { isLoopbackHost } from '../src/loopback.js';
import { describeStoreLocation, parseStoreLocation } from '../src/store-location.js';

const secrets = { QA_BROKER_SECRET_MAINTAINER: 'fake-m', QA_BROKER_SECRET_CI: 'fake-c' };

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}

describe('encryption keys', () => {
  const key = Buffer.alloc(32, 1).toString('base64');
  it('reads QA_BROKER_ENCRYPTION_KEYS from the environment only', () => {
    const config = loadServeConfig({}, { ...secrets, QA_BROKER_ENCRYPTION_KEYS: `a:${key}` });
    expect(config.encryptionKeys?.map((entry) => entry.id)).toEqual(['a']);
    expect(loadServeConfig({}, secrets)).not.toHaveProperty('encryptionKeys');
    const rotate = loadRotateKeysConfig(
      { store: 'pglite:memory' },
      { QA_BROKER_ENCRYPTION_KEYS: `b:${key},a:${key}` },
    );
    expect(rotate.encryptionKeys.map((entry) => entry.id)).toEqual(['b', 'a']);
    expect(errorOf(() => loadRotateKeysConfig({}, {}))).toContain('QA_BROKER_ENCRYPTION_KEYS');
  });
});

describe('loadServeConfig', () => {
  it('has the documented defaults', () => {
    const config = loadServeConfig({}, secrets);
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8787,
      store: { type: 'pglite', dataDir: './.qa-broker/data' },
      secrets: { maintainer: 'fake-m', ci: 'fake-c' },
      secretsGenerated: false,
      endpointPrefix: '/qa-credentials/v1',
      leaseBounds: DEFAULT_LEASE_BOUNDS,
      payloadMaxBytes: POLICY.payloadMaxBytes,
      leaseBodyMaxBytes: 65_536,
      adminBodyMaxBytes: 65_536,
      logLevel: 'info',
      authFailureLimit: { maxFailures: 30, windowMs: 60_000 },
      trustProxyHops: 0,
      // All below Node's defaults (60 s headers, 300 s request).
      httpTimeouts: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
      },
      storeTimeoutMs: 8_000,
      queueMax: 10_000,
      storeNotify: true,
      requireEncryption: false,
    });
  });

  it('reads the queue limit, the PostgreSQL wake-up mode and --require-encryption', () => {
    const config = loadServeConfig(
      { 'queue-max': '50', 'store-notify': 'off' },
      {
        ...secrets,
        QA_BROKER_REQUIRE_ENCRYPTION: 'on',
        QA_BROKER_ENCRYPTION_KEYS: `a:${Buffer.alloc(32, 1).toString('base64')}`,
      },
    );
    expect(config).toMatchObject({ queueMax: 50, storeNotify: false, requireEncryption: true });
    expect(() => loadServeConfig({ 'store-notify': 'maybe' }, secrets)).toThrow(
      '--store-notify must be on or off.',
    );
    expect(() => loadServeConfig({ 'queue-max': '0' }, secrets)).toThrow(
      '--queue-max must be an integer from 1 to 1000000.',
    );
    expect(() => loadServeConfig({ 'require-encryption': 'on' }, secrets)).toThrow(
      '--require-encryption needs encryption keys: set QA_BROKER_ENCRYPTION_KEYS (or turn it off).',
    );
  });

  it('takes every limit from a flag or its variable, and checks it', () => {
    const config = loadServeConfig(
      {
        'headers-timeout-ms': '2000',
        'lease-body-max-bytes': '4096',
        'store-timeout-ms': '1500',
        'trust-proxy': 'on',
      },
      {
        ...secrets,
        QA_BROKER_REQUEST_TIMEOUT_MS: '4000',
        QA_BROKER_KEEP_ALIVE_TIMEOUT_MS: '1000',
        QA_BROKER_ADMIN_BODY_MAX_BYTES: '2048',
        QA_BROKER_HEADERS_TIMEOUT_MS: '9999',
      },
    );
    expect(config).toMatchObject({
      httpTimeouts: { headersTimeoutMs: 2_000, requestTimeoutMs: 4_000, keepAliveTimeoutMs: 1_000 },
      leaseBodyMaxBytes: 4_096,
      adminBodyMaxBytes: 2_048,
      storeTimeoutMs: 1_500,
      trustProxyHops: 1,
    });
    expect(loadServeConfig({}, { ...secrets, QA_BROKER_TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(loadServeConfig({ 'trust-proxy': 'off' }, secrets).trustProxyHops).toBe(0);
    expect(errorOf(() => loadServeConfig({ 'trust-proxy': 'maybe' }, secrets))).toContain(
      '--trust-proxy',
    );
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_HEADERS_TIMEOUT_MS: '40000' })),
    ).toContain('must not exceed the request timeout');
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_STORE_TIMEOUT_MS: '5' })),
    ).toContain('QA_BROKER_STORE_TIMEOUT_MS');
    expect(errorOf(() => loadServeConfig({ 'lease-body-max-bytes': '10' }, secrets))).toContain(
      '--lease-body-max-bytes',
    );
  });

  it('takes flags over QA_BROKER_* over OpenClaw names, trimmed, blanks unset', () => {
    const env = {
      QA_BROKER_HOST: ' 127.0.0.2 ',
      PORT: '9000',
      QA_BROKER_STORE: 'redis://localhost:6379',
      QA_BROKER_SECRET_MAINTAINER: '  ',
      OPENCLAW_QA_CONVEX_SECRET_MAINTAINER: ' fake-openclaw-m ',
      QA_BROKER_SECRET_CI: 'fake-ours-c',
      OPENCLAW_QA_CONVEX_SECRET_CI: 'fake-openclaw-c',
      OPENCLAW_QA_CONVEX_ENDPOINT_PREFIX: '/legacy/v1/',
    };
    const fromEnv = loadServeConfig({}, env);
    expect(fromEnv.host).toBe('127.0.0.2');
    expect(fromEnv.port).toBe(9000);
    expect(fromEnv.store).toEqual({ type: 'redis', url: 'redis://localhost:6379' });
    expect(fromEnv.secrets).toEqual({ maintainer: 'fake-openclaw-m', ci: 'fake-ours-c' });
    expect(fromEnv.endpointPrefix).toBe('/legacy/v1');
    const fromFlags = loadServeConfig(
      { host: 'localhost', port: '0', store: 'pglite:memory', 'endpoint-prefix': '/x' },
      { ...env, QA_BROKER_ENDPOINT_PREFIX: '/ours' },
    );
    expect(fromFlags).toMatchObject({
      host: 'localhost',
      port: 0,
      store: { type: 'pglite' },
      endpointPrefix: '/x',
    });
    expect(loadServeConfig({}, { ...env, QA_BROKER_ENDPOINT_PREFIX: '/ours' }).endpointPrefix).toBe(
      '/ours',
    );
  });

  it('limits failed auth by default, configurable as failures per window or off', () => {
    const limitOf = (value: string) =>
      loadServeConfig({}, { ...secrets, QA_BROKER_AUTH_FAILURE_LIMIT: value }).authFailureLimit;
    expect(loadServeConfig({}, secrets).authFailureLimit).toEqual({
      maxFailures: 30,
      windowMs: 60_000,
    });
    expect(limitOf('off')).toBeUndefined();
    expect(limitOf('OFF')).toBeUndefined();
    expect(limitOf('0')).toBeUndefined();
    expect(limitOf('20')).toEqual({ maxFailures: 20, windowMs: 60_000 });
    expect(limitOf('30/60s')).toEqual({ maxFailures: 30, windowMs: 60_000 });
    expect(limitOf('100/5m')).toEqual({ maxFailures: 100, windowMs: 300_000 });
    expect(limitOf('10/1500ms')).toEqual({ maxFailures: 10, windowMs: 1_500 });
    expect(
      loadServeConfig({ 'auth-failure-limit': '5' }, secrets).authFailureLimit?.maxFailures,
    ).toBe(5);
    for (const bad of ['lots', '30/60', '30/0s', '0/60s', '30/2d', '-1']) {
      expect(
        errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_AUTH_FAILURE_LIMIT: bad })),
      ).toContain('QA_BROKER_AUTH_FAILURE_LIMIT');
    }
  });

  it('reads lease bounds and the payload ceiling', () => {
    const config = loadServeConfig(
      { 'lease-ttl-max-ms': '60000', 'heartbeat-interval-default-ms': '6000' },
      {
        ...secrets,
        QA_BROKER_LEASE_TTL_MIN_MS: '1000',
        QA_BROKER_LEASE_TTL_DEFAULT_MS: '2000',
        QA_BROKER_LEASE_TTL_MAX_MS: '999999',
        QA_BROKER_PAYLOAD_MAX_BYTES: '1048576',
      },
    );
    expect(config.leaseBounds).toEqual({
      leaseTtlMs: { min: 1_000, default: 2_000, max: 60_000 },
      heartbeatIntervalMs: { ...POLICY.heartbeatIntervalMs, default: 6_000 },
    });
    expect(config.payloadMaxBytes).toBe(1_048_576);
  });

  it('names the variable or flag to fix', () => {
    expect(errorOf(() => loadServeConfig({}, { ...secrets, PORT: 'eighty' }))).toMatch(
      /^PORT must be an integer/,
    );
    expect(errorOf(() => loadServeConfig({ port: '70000' }, secrets))).toMatch(
      /^--port must be an integer from 0 to 65535/,
    );
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_STORE: 'mysql://u:hunter2@db/x' })),
    ).toMatch(/QA_BROKER_STORE/);
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_STORE: 'mysql://u:hunter2@db/x' })),
    ).not.toContain('hunter2');
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_LEASE_TTL_MIN_MS: '9999999' })),
    ).toContain('QA_BROKER_LEASE_TTL_MIN_MS');
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_HEARTBEAT_INTERVAL_MAX_MS: '-5' })),
    ).toContain('QA_BROKER_HEARTBEAT_INTERVAL_MAX_MS');
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_PAYLOAD_MAX_BYTES: '1e9' })),
    ).toContain('QA_BROKER_PAYLOAD_MAX_BYTES');
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_ENDPOINT_PREFIX: 'relative' })),
    ).toContain('QA_BROKER_ENDPOINT_PREFIX');
    expect(errorOf(() => loadServeConfig({ 'endpoint-prefix': '/a/../b' }, secrets))).toContain(
      '--endpoint-prefix',
    );
    expect(
      errorOf(() => loadServeConfig({}, { ...secrets, QA_BROKER_LOG_LEVEL: 'loud' })),
    ).toContain('QA_BROKER_LOG_LEVEL');
  });

  it('makes throwaway secrets on a loopback host and refuses elsewhere', () => {
    const local = loadServeConfig({}, {});
    expect(local.secretsGenerated).toBe(true);
    expect(local.secrets.maintainer).toMatch(/^qab-dev-.{20,}/);
    expect(local.secrets.ci).not.toBe(local.secrets.maintainer);
    const message = errorOf(() => loadServeConfig({ host: '0.0.0.0' }, {}));
    expect(message).toContain('QA_BROKER_SECRET_MAINTAINER');
    expect(message).toContain('QA_BROKER_SECRET_CI');
    // One configured secret is enough to start anywhere.
    expect(
      loadServeConfig({ host: '0.0.0.0' }, { QA_BROKER_SECRET_CI: 'fake-c' }).secretsGenerated,
    ).toBe(false);
  });
});

describe('loadMigrateConfig', () => {
  it('takes --store over QA_BROKER_STORE over the default', () => {
    expect(loadMigrateConfig({}, {}).store).toEqual({
      type: 'pglite',
      dataDir: './.qa-broker/data',
    });
    expect(loadMigrateConfig({}, { QA_BROKER_STORE: 'postgresql://db/x' }).store).toEqual({
      type: 'postgres',
      url: 'postgresql://db/x',
    });
    expect(
      loadMigrateConfig({ store: 'rediss://r:6380' }, { QA_BROKER_STORE: 'postgresql://db/x' })
        .store,
    ).toEqual({ type: 'redis', url: 'rediss://r:6380' });
  });
});

describe('store namespaces', () => {
  it('puts --schema / QA_BROKER_POSTGRES_SCHEMA on Postgres stores and the Redis prefix on Redis', () => {
    expect(loadMigrateConfig({ store: 'postgres://h/db', schema: 'team_a' }, {}).store).toEqual({
      type: 'postgres',
      url: 'postgres://h/db',
      schema: 'team_a',
    });
    expect(
      loadServeConfig(
        {},
        { ...secrets, QA_BROKER_STORE: 'pglite:memory', QA_BROKER_POSTGRES_SCHEMA: 'b' },
      ).store,
    ).toEqual({ type: 'pglite', schema: 'b' });
    expect(
      loadServeConfig({ 'redis-prefix': 'team-a' }, { ...secrets, QA_BROKER_STORE: 'redis://r' })
        .store,
    ).toEqual({ type: 'redis', url: 'redis://r', prefix: 'team-a' });
    expect(errorOf(() => loadMigrateConfig({ schema: 'Bad-Name' }, {}))).toContain('--schema');
  });
});

describe('store locations', () => {
  it('parses every form', () => {
    expect(parseStoreLocation('pglite:memory', 's')).toEqual({ type: 'pglite' });
    expect(parseStoreLocation('pglite:/tmp/x', 's')).toEqual({ type: 'pglite', dataDir: '/tmp/x' });
    expect(parseStoreLocation('postgres://u@h/db', 's')).toEqual({
      type: 'postgres',
      url: 'postgres://u@h/db',
    });
    expect(() => parseStoreLocation('pglite:', '--store')).toThrow(/--store/);
    expect(() => parseStoreLocation('sqlite:x', '--store')).toThrow(/--store/);
  });

  it('parses Redis Cluster seed lists and refuses malformed ones without echoing them', () => {
    expect(parseStoreLocation('redis-cluster://10.0.0.1:6379,10.0.0.2:6379', 's')).toEqual({
      type: 'redis',
      url: 'redis-cluster://10.0.0.1:6379,10.0.0.2:6379',
    });
    expect(parseStoreLocation('rediss-cluster://u:fake-pw@r1:6380', 's').type).toBe('redis');
    for (const bad of ['redis-cluster://r1', 'redis-cluster://fake-pw@r1:1,', 'redis-cluster://']) {
      const message = errorOf(() => parseStoreLocation(bad, '--store'));
      expect(message).toContain('redis-cluster://host:port');
      expect(message).not.toContain('fake-pw');
    }
    expect(
      describeStoreLocation({ type: 'redis', url: 'redis-cluster://u:fake-pw@r1:1,r2:2' }),
    ).toBe('redis-cluster://u:***@r1:1,r2:2');
  });

  it('takes --store-redis-wait-replicas for Redis only, flag over variable, default unset (0)', () => {
    const cluster = 'redis-cluster://r1:6379';
    expect(loadServeConfig({ store: cluster }, secrets).store).toEqual({
      type: 'redis',
      url: cluster,
    });
    expect(
      loadServeConfig(
        { store: cluster, 'store-redis-wait-replicas': '1' },
        { ...secrets, QA_BROKER_STORE_REDIS_WAIT_REPLICAS: '2' },
      ).store,
    ).toEqual({ type: 'redis', url: cluster, waitReplicas: 1 });
    expect(
      loadServeConfig({ store: cluster }, { ...secrets, QA_BROKER_STORE_REDIS_WAIT_REPLICAS: '2' })
        .store,
    ).toEqual({ type: 'redis', url: cluster, waitReplicas: 2 });
    expect(
      errorOf(() =>
        loadServeConfig({ store: cluster, 'store-redis-wait-replicas': '-1' }, secrets),
      ),
    ).toContain('--store-redis-wait-replicas must be an integer from 0 to 16');
  });

  it('redacts passwords when describing', () => {
    const described = describeStoreLocation({
      type: 'postgres',
      url: 'postgres://admin:hunter2@db:5432/x',
    });
    expect(described).toBe('postgres://admin:***@db:5432/x');
    expect(describeStoreLocation({ type: 'redis', url: 'redis://:hunter2@r:6379' })).not.toContain(
      'hunter2',
    );
    expect(describeStoreLocation({ type: 'pglite' })).toBe('pglite:memory');
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );
  it.each(['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', '127.example.com'])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('PostgreSQL tuning', () => {
  it('reads prepared statements, pool size and statement timeout from flags or variables', () => {
    expect(
      loadServeConfig(
        { 'store-prepared-statements': 'off', 'postgres-pool-size': '40' },
        {
          ...secrets,
          QA_BROKER_STORE: 'postgres://h/db',
          QA_BROKER_POSTGRES_STATEMENT_TIMEOUT_MS: '2500',
        },
      ).store,
    ).toEqual({
      type: 'postgres',
      url: 'postgres://h/db',
      preparedStatements: false,
      poolSize: 40,
      statementTimeoutMs: 2_500,
    });
    // Unset: the adapter's defaults (prepared on, 10 connections, 5 s).
    expect(loadServeConfig({}, { ...secrets, QA_BROKER_STORE: 'postgres://h/db' }).store).toEqual({
      type: 'postgres',
      url: 'postgres://h/db',
    });
    // PGlite has one connection: only the prepared-statement switch applies; Redis has none.
    expect(
      loadServeConfig(
        { 'postgres-pool-size': '40' },
        { ...secrets, QA_BROKER_STORE: 'pglite:memory', QA_BROKER_STORE_PREPARED_STATEMENTS: 'on' },
      ).store,
    ).toEqual({ type: 'pglite', preparedStatements: true });
    expect(
      loadServeConfig(
        { 'store-prepared-statements': 'off' },
        { ...secrets, QA_BROKER_STORE: 'redis://r' },
      ).store,
    ).toEqual({ type: 'redis', url: 'redis://r' });
  });

  it('names the setting to fix', () => {
    expect(
      errorOf(() =>
        loadServeConfig({}, { ...secrets, QA_BROKER_STORE_PREPARED_STATEMENTS: 'sometimes' }),
      ),
    ).toBe('QA_BROKER_STORE_PREPARED_STATEMENTS must be on or off.');
    expect(errorOf(() => loadServeConfig({ 'postgres-pool-size': '0' }, secrets))).toBe(
      '--postgres-pool-size must be an integer from 1 to 1000.',
    );
    expect(
      errorOf(() => loadServeConfig({ 'postgres-statement-timeout-ms': '5' }, secrets)),
    ).toContain('--postgres-statement-timeout-ms');
  });
});
