import type { CredentialStore } from '@qa-broker/store';
import { openPgliteStore } from '@qa-broker/store-postgres';
import { openRedisStore } from '@qa-broker/store-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_REDIS_URL,
  deleteKeysOf,
  openAdminClient,
  randomPrefix,
} from '../../store-redis/test/support/test-redis.js';
import { expectError, okBody } from './support/expect-response.js';
import { telegramPayload, uniqueKind } from './support/fixtures.js';
import { startHarness } from './support/harness.js';
import type { BrokerHarness } from './support/harness.js';
import { startTcpProxy } from './support/tcp-proxy.js';

const PREFIX = '/qa-credentials/v1';

/** The value of one sample in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operating the broker (PGlite)', () => {
  let store: CredentialStore;
  const harnesses: BrokerHarness[] = [];
  const harness = async (options: Parameters<typeof startHarness>[1] = {}) => {
    const h = await startHarness(store, options);
    harnesses.push(h);
    return h;
  };
  beforeAll(async () => {
    store = await openPgliteStore({});
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
    await store?.close();
  });

  it('moves the grant, exhausted, request and latency metrics with traffic', async () => {
    const h = await harness();
    const kind = uniqueKind('metrics');
    const scrape = async () => (await h.raw('/metrics', { method: 'GET' })).text;
    const before = await scrape();
    expect(sample(before, `qa_broker_grants_total{kind="${kind}"}`)).toBeUndefined();

    okBody(await h.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }));
    okBody(await h.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } }));
    for (let i = 0; i < 2; i++) {
      expectError(
        await h.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } }),
        409,
        'POOL_EXHAUSTED',
      );
    }
    const after = await scrape();
    expect(sample(after, `qa_broker_grants_total{kind="${kind}"}`)).toBe(1);
    expect(sample(after, `qa_broker_pool_exhausted_total{kind="${kind}"}`)).toBe(2);
    expect(
      sample(
        after,
        `qa_broker_http_requests_total{route="${PREFIX}/acquire",status="409",code="POOL_EXHAUSTED"}`,
      ),
    ).toBe(2);
    expect(
      sample(
        after,
        `qa_broker_http_request_duration_seconds_count{route="${PREFIX}/acquire",code="POOL_EXHAUSTED"}`,
      ),
    ).toBe(2);
    expect(sample(after, `qa_broker_pool_credentials{kind="${kind}",state="leased"}`)).toBe(1);
  });

  it('limits failed auth per client address, from X-Forwarded-For only when proxies are trusted', async () => {
    const limit = { maxFailures: 2, windowMs: 60_000 };
    const body = { kind: uniqueKind('rl'), ownerId: 'o', actorRole: 'ci' };
    const from = (address: string) => ({ 'x-forwarded-for': `${address}, 10.0.0.1` });

    const direct = await harness({ authFailureLimit: limit });
    for (const address of ['203.0.113.1', '203.0.113.2']) {
      await direct.raw(`${PREFIX}/acquire`, { body, token: 'fake-guess', headers: from(address) });
    }
    // Untrusted, the header changes nothing: both guesses came from this socket's address.
    const spoofed = await direct.raw(`${PREFIX}/acquire`, {
      body,
      token: 'fake-guess',
      headers: from('203.0.113.3'),
    });
    expect([spoofed.status, (spoofed.json as { code: string }).code]).toEqual([
      429,
      'RATE_LIMITED',
    ]);
    expect(Number(spoofed.headers['retry-after'])).toBeGreaterThan(0);

    // Behind two trusted proxies, the client is the entry before the last proxy's.
    const proxied = await harness({ authFailureLimit: limit, trustProxyHops: 2 });
    for (let i = 0; i < 2; i++) {
      await proxied.raw(`${PREFIX}/acquire`, {
        body,
        token: 'fake-guess',
        headers: from('203.0.113.7'),
      });
    }
    const blocked = await proxied.raw(`${PREFIX}/acquire`, {
      body,
      token: 'fake-guess',
      headers: from('203.0.113.7'),
    });
    expect(blocked.status).toBe(429);
    const other = await proxied.raw(`${PREFIX}/acquire`, {
      body,
      token: 'fake-guess',
      headers: from('203.0.113.8'),
    });
    expect(other.status).toBe(401);
  });

  it('applies the configured body limit to the small admin routes', async () => {
    const h = await harness({ adminBodyMaxBytes: 1_024 });
    const response = await h.raw(`${PREFIX}/admin/events`, {
      body: { kind: 'k', padding: 'x'.repeat(2_000) },
      token: 'test-maintainer-secret-not-real',
    });
    expect([response.status, (response.json as { code: string }).code]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
    okBody(await h.maintainer.admin.events({ body: { kind: 'k' } }));
  });
});

describe('store trouble (Redis behind a proxy)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers 503 STORE_UNAVAILABLE within the store timeout when the store hangs; /readyz fails', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    cleanups.push(() => proxy.cut());
    const prefix = randomPrefix();
    const store = await openRedisStore({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix,
      // The adapter's own timeout is far away: the app's bound is what answers.
      commandTimeoutMs: 20_000,
    });
    cleanups.push(async () => {
      await store.close().catch(() => undefined);
      const admin = await openAdminClient();
      try {
        await deleteKeysOf(admin, prefix);
      } finally {
        admin.disconnect();
      }
    });
    const h = await startHarness(store, { storeTimeoutMs: 300 });
    cleanups.push(() => h.close());
    const kind = uniqueKind('hang');
    okBody(await h.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }));
    expect((await h.raw('/readyz', { method: 'GET' })).status).toBe(200);

    proxy.stall();
    const started = Date.now();
    const response = await h.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } });
    const error = expectError(response, 503, 'STORE_UNAVAILABLE');
    expect(error.retryAfterMs).toBe(1_000);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeLessThan(3_000);
    const ready = await h.raw('/readyz', { method: 'GET' });
    expect([ready.status, (ready.json as { code: string }).code]).toEqual([
      503,
      'STORE_UNAVAILABLE',
    ]);
    expect((await h.raw('/healthz', { method: 'GET' })).status).toBe(200);
    // The scrape still answers (without pool gauges) and counts the failures (acquire,
    // readyz; its own pool read is counted after the counters were collected).
    const metrics = await h.raw('/metrics', { method: 'GET' });
    expect(metrics.status).toBe(200);
    expect(
      sample(metrics.text, 'qa_broker_store_errors_total{code="STORE_UNAVAILABLE"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
