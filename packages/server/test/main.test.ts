import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../src/config.js';
import { KEEP_ALIVE_TIMEOUT_MS, startBroker } from '../src/main.js';
import { Capture } from './support/capture.js';
import { MAINTAINER_SECRET } from './support/harness.js';

describe('startBroker', () => {
  it('drains an in-flight request on close, refuses new connections, then closes the store', async () => {
    const config = loadServeConfig(
      { port: '0', store: 'pglite:memory' },
      { QA_BROKER_SECRET_MAINTAINER: MAINTAINER_SECRET },
    );
    const stderr = new Capture();
    const broker = await startBroker(config, { stderr, logger: pino({ level: 'silent' }) });
    const arrived = new Promise<void>((resolve) => broker.server.once('request', () => resolve()));

    // A request whose body is still on its way when shutdown starts.
    const body = new PassThrough();
    const pending = request(`${broker.url}/qa-credentials/v1/admin/list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MAINTAINER_SECRET}` },
      body,
    });
    body.write('{"limit":');
    await arrived;
    const closed = broker.close();
    // close() stops listening at once, while the open request keeps its connection.
    expect(broker.server.listening).toBe(false);
    await expect(request(`${broker.url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    body.end('5}');
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ status: 'ok', credentials: [], count: 0 });
    // The client keeps its connection alive; shutdown closes it once idle instead of
    // waiting out the keep-alive timeout.
    const drainStarted = Date.now();
    await closed;
    expect(Date.now() - drainStarted).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS / 2);
    await expect(broker.store.ping()).rejects.toThrow();
  });
});
