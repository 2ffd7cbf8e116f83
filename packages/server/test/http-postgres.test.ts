import { afterAll, describe, expect, it } from 'vitest';
import {
  POSTGRES_URL,
  openScratchPostgresStore,
} from '../../store-postgres/test/support/postgres-server.js';
import { describeBrokerHttp } from './support/describe-broker-http.js';
import { describeQueueHttp } from './support/describe-queue-http.js';
import { describeDashboardHttp } from './support/describe-dashboard-http.js';
import { describeHealthHttp } from './support/describe-health-http.js';
import { expectError, okBody } from './support/expect-response.js';
import { telegramPayload, uniqueKind } from './support/fixtures.js';
import { startHarness } from './support/harness.js';
import type { BrokerHarness } from './support/harness.js';
import { startTcpProxy } from './support/tcp-proxy.js';

// Real PostgreSQL, one random schema per store, dropped when the store closes.
describeBrokerHttp('postgres', () => openScratchPostgresStore());
describeQueueHttp('postgres', () => openScratchPostgresStore());
describeDashboardHttp('postgres', () => openScratchPostgresStore());
describeHealthHttp('postgres', () => openScratchPostgresStore());

describe('broker over HTTP (postgres unreachable)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers 503 STORE_UNAVAILABLE with retryAfterMs and Retry-After, and /readyz says so', async () => {
    const target = new URL(POSTGRES_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(POSTGRES_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const store = await openScratchPostgresStore({
      connectionString: viaProxy.toString(),
      statementTimeoutMs: 1_000,
      poolSize: 2,
    });
    cleanups.push(() => store.close());
    const h: BrokerHarness = await startHarness(store);
    cleanups.push(() => h.close());

    const kind = uniqueKind('tg');
    okBody(await h.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }));
    await proxy.cut();

    const started = Date.now();
    const response = await h.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } });
    const body = expectError(response, 503, 'STORE_UNAVAILABLE');
    expect(body.retryAfterMs).toBe(1_000);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeLessThan(5_000);
    const ready = await h.raw('/readyz', { method: 'GET' });
    expect([ready.status, (ready.json as { code: string }).code]).toEqual([
      503,
      'STORE_UNAVAILABLE',
    ]);
    expect((await h.raw('/healthz', { method: 'GET' })).status).toBe(200);
  });
});
