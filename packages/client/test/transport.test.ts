import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError, createBrokerClient } from '../src/index.js';

/**
 * A raw HTTP server that misbehaves on purpose: only for what a real broker never does
 * (hanging, huge or malformed answers). Everything else is tested against the real broker.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: Server;
let baseUrl: string;
const seen: { authorization?: string | undefined; body: string; url?: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ authorization: req.headers.authorization, body, url: req.url });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(httpTimeoutMs = 2_000) {
  return createBrokerClient({
    baseUrl,
    token: 'fake-test-token',
    role: 'maintainer',
    allowInsecureHttp: true,
    httpTimeoutMs,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BrokerError);
  return error as BrokerError;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

describe('transport', () => {
  it('sends the bearer token and a JSON body to prefix + route', async () => {
    handler = (req, res) =>
      req.url === '/qa-credentials/v1/admin/list'
        ? json(res, 200, { status: 'ok', credentials: [], count: 0 })
        : json(res, 404, { status: 'error', code: 'NOT_FOUND', message: 'no' });
    await expect(client().listCredentials({ kind: 'k' })).resolves.toEqual([]);
    expect(seen.at(-1)).toEqual({
      authorization: 'Bearer fake-test-token',
      body: '{"kind":"k"}',
      url: '/qa-credentials/v1/admin/list',
    });
  });

  it('times out a request that never answers, as a transient error', async () => {
    handler = () => undefined;
    const error = await failureOf(client(150).listCredentials());
    expect(error).toMatchObject({ code: 'HTTP_TIMEOUT', transient: true, httpStatus: undefined });
  });

  it('times out a body that never finishes', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    };
    const error = await failureOf(client(150).listCredentials());
    expect(error.code).toBe('HTTP_TIMEOUT');
  });

  it('caps a normal answer at 1 MiB, whether announced or streamed', async () => {
    const huge = JSON.stringify({
      status: 'ok',
      credentials: [],
      count: 0,
      pad: 'x'.repeat(1024 * 1024),
    });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(huge);
    };
    expect((await failureOf(client().listCredentials())).code).toBe('RESPONSE_TOO_LARGE');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < huge.length; i += 65_536) res.write(huge.slice(i, i + 65_536));
      res.end();
    };
    expect((await failureOf(client().listCredentials())).code).toBe('RESPONSE_TOO_LARGE');
  });

  it('reports a non-JSON answer and a 200 that breaks the contract as INVALID_RESPONSE', async () => {
    handler = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    };
    expect(await failureOf(client().listCredentials())).toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 502,
      transient: true,
    });
    handler = (_req, res) => json(res, 200, { status: 'ok', credentials: 'nope' });
    expect(await failureOf(client().listCredentials())).toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 200,
      transient: false,
    });
  });

  it('maps error envelopes: 4xx terminal, 5xx transient, a 200 envelope by its code', async () => {
    handler = (_req, res) =>
      json(res, 401, {
        status: 'error',
        code: 'AUTH_INVALID',
        message: 'Credential broker secret is invalid.',
      });
    expect(await failureOf(client().listCredentials())).toMatchObject({
      code: 'AUTH_INVALID',
      httpStatus: 401,
      transient: false,
      message: 'Credential broker secret is invalid.',
    });
    handler = (_req, res) =>
      json(
        res,
        503,
        { status: 'error', code: 'STORE_UNAVAILABLE', message: 'down' },
        { 'retry-after': '3' },
      );
    expect(await failureOf(client().listCredentials())).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      transient: true,
      retryAfterMs: 3_000,
    });
    handler = (_req, res) =>
      json(res, 200, { status: 'error', code: 'STORE_UNAVAILABLE', message: 'legacy 200' });
    expect(await failureOf(client().listCredentials())).toMatchObject({
      httpStatus: 200,
      transient: true,
    });
    handler = (_req, res) =>
      json(res, 200, {
        status: 'error',
        code: 'NO_CREDENTIAL_AVAILABLE',
        message: 'legacy',
        retryAfterMs: 1500,
      });
    expect(await failureOf(client().listCredentials())).toMatchObject({
      code: 'NO_CREDENTIAL_AVAILABLE',
      transient: false,
      retryAfterMs: 1_500,
    });
    handler = (_req, res) =>
      json(res, 500, { status: 'error', code: 'SOMETHING_NEW', message: 'x' });
    expect(await failureOf(client().listCredentials())).toMatchObject({
      code: 'INVALID_RESPONSE',
      transient: true,
    });
  });

  it('reports a refused connection as a transient NETWORK_ERROR without the token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failureOf(
      createBrokerClient({
        baseUrl: `http://127.0.0.1:${port}`,
        token: 'fake-test-token',
        role: 'maintainer',
        allowInsecureHttp: true,
      }).listCredentials(),
    );
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', transient: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('fake-test-token');
  });

  it('does not follow redirects (the token must not travel elsewhere)', async () => {
    handler = (_req, res) => {
      res.writeHead(307, { location: 'https://elsewhere.example/' });
      res.end();
    };
    const error = await failureOf(client().listCredentials());
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', transient: false });
    expect(error.message).toContain('redirect');
  });
});

describe('malformed grants', () => {
  const grant = (payload: Record<string, unknown>) => ({
    status: 'ok',
    credentialId: 'cred-1',
    leaseToken: 'fake-lease-token',
    payload,
    leaseTtlMs: 60_000,
    heartbeatIntervalMs: 30_000,
    expiresAtMs: Date.now() + 60_000,
    fencingToken: 1,
  });

  /** Answers acquire with `acquire`, chunks with `chunks`, and release with ok. */
  function broker(acquire: unknown, chunks: string[] = []) {
    handler = (req, res) => {
      const body = JSON.parse(seen.at(-1)!.body) as { index?: number };
      if (req.url?.endsWith('/acquire')) return json(res, 200, acquire);
      if (req.url?.endsWith('/payload-chunk')) {
        const index = body.index ?? 0;
        return json(res, 200, { status: 'ok', data: chunks[index] ?? '', index });
      }
      if (req.url?.endsWith('/release')) return json(res, 200, { status: 'ok' });
      return json(res, 404, { status: 'error', code: 'NOT_FOUND', message: 'no' });
    };
  }

  function releasedAfter(from: number): boolean {
    return seen.slice(from).some((request) => request.url?.endsWith('/release'));
  }

  it('refuses chunks that do not add up to the marker, and gives the lease back', async () => {
    const serialized = JSON.stringify({ a: 'é'.repeat(10) });
    const marker = { __openclawQaCredentialPayloadChunksV1: true, byteLength: 999, chunkCount: 2 };
    broker(grant(marker), [serialized.slice(0, 5), serialized.slice(5)]);
    const from = seen.length;
    const error = await failureOf(client().acquireLease('custom'));
    expect(error.code).toBe('PAYLOAD_CORRUPT');
    expect(error.message).toContain(
      `add up to ${Buffer.byteLength(serialized)} bytes, not the announced 999`,
    );
    expect(releasedAfter(from)).toBe(true);
  });

  it('reassembles chunks whose UTF-8 length matches the marker', async () => {
    const payload = { a: 'é😀'.repeat(10) };
    const serialized = JSON.stringify(payload);
    const marker = {
      __openclawQaCredentialPayloadChunksV1: true,
      byteLength: Buffer.byteLength(serialized),
      chunkCount: 2,
    };
    broker(grant(marker), [serialized.slice(0, 9), serialized.slice(9)]);
    const lease = await client().acquireLease('custom');
    expect(lease.payload).toEqual(payload);
    await lease.release();
  });

  it('refuses a known kind whose payload breaks its schema, and gives the lease back', async () => {
    broker(grant({ groupId: '-100', driverToken: 'fake' }));
    const from = seen.length;
    const error = await failureOf(client().acquireLease('telegram'));
    expect(error.code).toBe('PAYLOAD_REJECTED');
    expect(error.message).toContain('"sutToken"');
    expect(releasedAfter(from)).toBe(true);
  });
});
