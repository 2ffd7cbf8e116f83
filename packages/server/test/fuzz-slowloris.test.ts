import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_ENDPOINT_PREFIX } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { openPgliteStore } from '@qa-broker/store-postgres';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerApp } from '../src/index.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/main.js';

/**
 * Slow requests (slowloris): headers or a body trickled byte by byte must be cut off by
 * the server's timeouts, must not block other clients, and must change nothing. The app
 * is served here with SHORT timeouts so the test is fast; the production values are
 * checked separately below.
 */
const MAINTAINER = 'slow-maintainer-secret-not-real';
const CI = 'slow-ci-secret-not-real';
const HEADERS_TIMEOUT = 800;
const REQUEST_TIMEOUT = 1_500;
/** Node checks both timeouts on this period (default 30 s, far too coarse for a test). */
const CHECK_INTERVAL = 100;

let store: CredentialStore;
let server: Server;
let port: number;

beforeAll(async () => {
  store = await openPgliteStore({});
  const app = createBrokerApp({ store, secrets: { maintainer: MAINTAINER, ci: CI } });
  server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT,
      requestTimeout: REQUEST_TIMEOUT,
      connectionsCheckingInterval: CHECK_INTERVAL,
      keepAliveTimeout: 500,
    },
    app,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const added = await post('admin/add', MAINTAINER, { kind: 'slow-kind', payload: { fake: 'x' } });
  expect(added.status).toBe(200);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.close();
});

async function post(route: string, token: string, body: unknown) {
  const answer = await request(`http://127.0.0.1:${port}${DEFAULT_ENDPOINT_PREFIX}/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
}

async function storeState() {
  const listed = await post('admin/list', MAINTAINER, { includePayload: true });
  const events = await store.listEvents({ limit: 500 });
  return { credentials: listed.body.credentials, events: events.events };
}

/**
 * Opens a raw connection, sends `head`, then trickles `trickle` one byte every `everyMs`.
 * Resolves when the SERVER ends the connection, with how long that took and what it sent.
 */
function trickle(
  head: string,
  slow: string,
  everyMs: number,
): Promise<{ afterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < slow.length && !socket.destroyed) socket.write(slow[sent++]!);
    }, everyMs);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: performance.now() - started, answer });
    });
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(
        new Error(
          `the server kept a trickling connection open for 10 s (got ${JSON.stringify(answer)})`,
        ),
      );
    }, 10_000);
  });
}

const ACQUIRE_HEAD = `POST ${DEFAULT_ENDPOINT_PREFIX}/acquire HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
const acquireBody = JSON.stringify({ kind: 'slow-kind', ownerId: 'slow-owner', actorRole: 'ci' });

describe('slow requests are cut off', () => {
  it('headers trickled byte by byte: closed after the headers timeout, nothing changes', async () => {
    const before = await storeState();
    const slowHeaders = `Authorization: Bearer ${CI}\r\nX-Padding: ${'p'.repeat(200)}\r\n\r\n`;
    const { afterMs, answer } = await trickle(ACQUIRE_HEAD, slowHeaders, 50);
    expect(afterMs).toBeLessThan(HEADERS_TIMEOUT + 4 * CHECK_INTERVAL + 1_000);
    // Node answers 408 itself (plain text, not our envelope) or just closes.
    expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(await storeState()).toEqual(before);
  });

  it('a body trickled byte by byte: closed after the request timeout, nothing granted', async () => {
    const before = await storeState();
    const head =
      `${ACQUIRE_HEAD}Authorization: Bearer ${CI}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${acquireBody.length}\r\n\r\n`;
    const { afterMs, answer } = await trickle(head, acquireBody, 150);
    expect(afterMs).toBeLessThan(REQUEST_TIMEOUT + 4 * CHECK_INTERVAL + 1_000);
    // The body never completed, so the request was never handled.
    // Node answers 408 itself (plain text, not our envelope) or just closes.
    expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(await storeState()).toEqual(before);
  });

  it('many trickling connections do not block an honest client', async () => {
    const slow = Array.from({ length: 30 }, () =>
      trickle(ACQUIRE_HEAD, `Authorization: Bearer ${CI}\r\n${'X-A: b\r\n'.repeat(50)}`, 100),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const listed = await post('admin/list', MAINTAINER, {});
    expect(listed.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    const closed = await Promise.all(slow);
    expect(closed.every((result) => result.afterMs < HEADERS_TIMEOUT + 2_000)).toBe(true);
  });

  it('random trickle shapes never get a request through half-sent, nor a 5xx', async () => {
    const shapes = fc.record({
      split: fc.integer({ min: 0, max: 120 }),
      everyMs: fc.integer({ min: 20, max: 120 }),
      declaredExtra: fc.integer({ min: 1, max: 50 }),
    });
    await fc.assert(
      fc.asyncProperty(shapes, async ({ split, everyMs, declaredExtra }) => {
        const before = await storeState();
        // Content-Length promises more than is ever sent: the request can never complete.
        const full =
          `${ACQUIRE_HEAD}Authorization: Bearer ${CI}\r\nContent-Length: ${acquireBody.length + declaredExtra}\r\n\r\n` +
          acquireBody;
        const cut = Math.min(split + ACQUIRE_HEAD.length, full.length);
        const { answer } = await trickle(full.slice(0, cut), full.slice(cut), everyMs);
        expect(answer).not.toMatch(/^HTTP\/1\.1 (2|5)\d\d/);
        expect(await storeState()).toEqual(before);
      }),
      { numRuns: 4 },
    );
  });
});

describe('the production server timeouts', () => {
  it('are below Node defaults (headers 60 s, request 300 s)', () => {
    expect(HEADERS_TIMEOUT_MS).toBeLessThan(60_000);
    expect(REQUEST_TIMEOUT_MS).toBeLessThan(300_000);
    expect(HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeLessThan(HEADERS_TIMEOUT_MS);
  });
});
