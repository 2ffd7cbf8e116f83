import { Readable } from 'node:stream';
import type { CredentialStore } from '@qa-broker/store';
import { openPgliteStore } from '@qa-broker/store-postgres';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PieceCipher } from '../src/index.js';
import { expectError, okBody } from './support/expect-response.js';
import { telegramPayload, uniqueKind } from './support/fixtures.js';
import { CI_SECRET, MAINTAINER_SECRET, startHarness } from './support/harness.js';
import type { BrokerHarness } from './support/harness.js';

/**
 * What does not depend on the store: auth, the order of checks, body parsing, headers,
 * unknown routes, body limits, configuration and payload-cipher failures. One PGlite store
 * for the whole file; apps with other options share it.
 */
const PREFIX = '/qa-credentials/v1';
let store: CredentialStore;
let h: BrokerHarness;
const extraHarnesses: BrokerHarness[] = [];

async function harnessWith(options: Parameters<typeof startHarness>[1]) {
  const harness = await startHarness(store, options);
  extraHarnesses.push(harness);
  return harness;
}

beforeAll(async () => {
  store = await openPgliteStore({});
  h = await startHarness(store);
});
afterAll(async () => {
  await Promise.all(extraHarnesses.map((x) => x.close()));
  await h?.close();
  await store?.close();
});

const acquireBody = (kind = uniqueKind('none')) => ({ kind, ownerId: 'owner', actorRole: 'ci' });

describe('auth on lease routes', () => {
  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic abc'],
    ['bearer without token', 'Bearer'],
    ['bearer with blank token', 'Bearer    '],
    ['three parts', `Bearer ${CI_SECRET} extra`],
  ])('%s → 401 AUTH_REQUIRED', async (_label, authorization) => {
    const response = await h.raw(`${PREFIX}/acquire`, {
      body: acquireBody(),
      ...(authorization === undefined ? {} : { headers: { authorization } }),
    });
    expect(response.status).toBe(401);
    expect(response.json).toEqual({
      status: 'error',
      code: 'AUTH_REQUIRED',
      message: 'Missing Authorization: Bearer <secret> header.',
    });
  });

  it('accepts the scheme in any case with surrounding whitespace', async () => {
    const response = await h.raw(`${PREFIX}/acquire`, {
      body: acquireBody(),
      headers: { authorization: `  bEaReR   ${CI_SECRET}  ` },
    });
    expect(response.status).toBe(409);
    expect((response.json as { code: string }).code).toBe('POOL_EXHAUSTED');
  });

  it('an unknown token → 401 AUTH_INVALID, whatever the body', async () => {
    const client = h.clientWith('not-a-known-secret');
    expectError(
      await client.acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'ci' } }),
      401,
      'AUTH_INVALID',
      'Credential broker secret is invalid.',
    );
    const raw = await h.raw(`${PREFIX}/heartbeat`, {
      token: 'not-a-known-secret',
      body: '{not json',
    });
    expect([raw.status, (raw.json as { code: string }).code]).toEqual([401, 'AUTH_INVALID']);
    // A prefix of a real secret is no secret.
    const prefix = await h.raw(`${PREFIX}/acquire`, {
      token: CI_SECRET.slice(0, -1),
      body: acquireBody(),
    });
    expect(prefix.status).toBe(401);
  });

  it('a token role different from actorRole → 403 AUTH_ROLE_MISMATCH naming both', async () => {
    expectError(
      await h.maintainer.acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'ci' } }),
      403,
      'AUTH_ROLE_MISMATCH',
      'Secret role "maintainer" cannot be used as actorRole "ci".',
    );
    expectError(
      await h.ci.release({
        body: {
          kind: 'k',
          ownerId: 'o',
          actorRole: 'maintainer',
          credentialId: 'c',
          leaseToken: 't',
        },
      }),
      403,
      'AUTH_ROLE_MISMATCH',
      'Secret role "ci" cannot be used as actorRole "maintainer".',
    );
  });

  it('checks the maintainer secret first when both roles share one', async () => {
    const shared = await harnessWith({ secrets: { maintainer: 'fake-shared', ci: 'fake-shared' } });
    const client = shared.clientWith('fake-shared');
    expectError(
      await client.acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'ci' } }),
      403,
      'AUTH_ROLE_MISMATCH',
    );
    expectError(
      await client.acquire({ body: { kind: uniqueKind(), ownerId: 'o', actorRole: 'maintainer' } }),
      409,
      'POOL_EXHAUSTED',
    );
  });

  it('with no secret configured: 401 without a token, else 500 SERVER_MISCONFIGURED', async () => {
    const bare = await harnessWith({ secrets: {} });
    expectError(
      await bare.clientWith().acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'ci' } }),
      401,
      'AUTH_REQUIRED',
    );
    expectError(
      await bare
        .clientWith('anything')
        .acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'ci' } }),
      500,
      'SERVER_MISCONFIGURED',
      'No broker role secrets are configured.',
    );
    // Blank secrets count as none.
    const blank = await harnessWith({ secrets: { maintainer: '  ', ci: '' } });
    expectError(await blank.clientWith('  ').admin.list({ body: {} }), 401, 'AUTH_REQUIRED');
    expectError(
      await blank.clientWith('x').acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'ci' } }),
      500,
      'SERVER_MISCONFIGURED',
    );
  });
});

describe('failed-auth limit (opt-in)', () => {
  it('answers 429 RATE_LIMITED with Retry-After to an address that sent too many wrong tokens', async () => {
    const limited = await harnessWith({ authFailureLimit: { maxFailures: 2, windowMs: 60_000 } });
    const body = { kind: uniqueKind(), ownerId: 'o', actorRole: 'ci' } as const;
    // Neither successes nor a missing header count as failures.
    expectError(await limited.ci.acquire({ body }), 409, 'POOL_EXHAUSTED');
    expectError(await limited.clientWith().acquire({ body }), 401, 'AUTH_REQUIRED');
    expectError(await limited.clientWith('guess-1').acquire({ body }), 401, 'AUTH_INVALID');
    expectError(await limited.clientWith('guess-2').admin.list({ body: {} }), 401, 'AUTH_INVALID');
    // Now every request from this address is refused, even with a valid secret.
    const refused = await limited.ci.acquire({ body });
    const envelope = expectError(
      refused,
      429,
      'RATE_LIMITED',
      'Too many failed authentication attempts: wait before retrying.',
    );
    expect(envelope.retryAfterMs).toBeGreaterThan(50_000);
    expect(envelope.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(Number(refused.headers.get('retry-after'))).toBe(
      Math.ceil(envelope.retryAfterMs! / 1000),
    );
    expectError(await limited.maintainer.admin.list({ body: {} }), 429, 'RATE_LIMITED');
    // The default app has no limit.
    for (let i = 0; i < 3; i++) {
      expectError(await h.clientWith('guess').acquire({ body }), 401, 'AUTH_INVALID');
    }
    expectError(await h.ci.acquire({ body }), 409, 'POOL_EXHAUSTED');
  });
});

describe('auth on admin routes', () => {
  it('needs the maintainer secret', async () => {
    expectError(await h.clientWith().admin.list({ body: {} }), 401, 'AUTH_REQUIRED');
    expectError(
      await h.ci.admin.add({ body: { kind: 'k', payload: {} } }),
      403,
      'AUTH_ROLE_MISMATCH',
      'Admin endpoints require maintainer credentials.',
    );
    expectError(
      await h.clientWith('wrong').admin.remove({ body: { credentialId: 'x' } }),
      401,
      'AUTH_INVALID',
    );
  });

  it('without a maintainer secret: 500 SERVER_MISCONFIGURED naming the variable; lease routes still work', async () => {
    const ciOnly = await harnessWith({ secrets: { ci: CI_SECRET } });
    expectError(
      await ciOnly.ci.admin.list({ body: {} }),
      500,
      'SERVER_MISCONFIGURED',
      'Admin endpoints require QA_BROKER_SECRET_MAINTAINER.',
    );
    expectError(
      await ciOnly.ci.acquire({ body: { kind: uniqueKind(), ownerId: 'o', actorRole: 'ci' } }),
      409,
      'POOL_EXHAUSTED',
    );
    expectError(
      await ciOnly
        .clientWith(MAINTAINER_SECRET)
        .acquire({ body: { kind: 'k', ownerId: 'o', actorRole: 'maintainer' } }),
      401,
      'AUTH_INVALID',
    );
  });
});

describe('order of checks', () => {
  const post = (route: string, body: unknown, token: string | undefined = CI_SECRET) =>
    h.raw(`${PREFIX}/${route}`, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(token ? { token } : {}),
    });
  const codeOf = async (route: string, body: unknown, token?: string) => {
    const response = await post(route, body, token);
    const json = response.json as { code: string; message: string };
    return { status: response.status, code: json.code, message: json.message };
  };

  it('auth before JSON', async () => {
    expect(await codeOf('acquire', '{oops', '')).toMatchObject({
      status: 401,
      code: 'AUTH_REQUIRED',
    });
    expect(await codeOf('admin/add', '{oops', CI_SECRET)).toMatchObject({
      status: 403,
      code: 'AUTH_ROLE_MISMATCH',
    });
  });

  it('JSON before object, object before fields', async () => {
    expect(await codeOf('acquire', '{oops')).toEqual({
      status: 400,
      code: 'INVALID_JSON',
      message: 'Request body must be valid JSON.',
    });
    expect(await codeOf('acquire', '')).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    for (const body of ['[]', 'null', '5', '"text"', 'true']) {
      expect(await codeOf('acquire', body)).toEqual({
        status: 400,
        code: 'INVALID_BODY',
        message: 'Request body must be a JSON object.',
      });
      expect(await codeOf('admin/list', body, MAINTAINER_SECRET)).toEqual({
        status: 400,
        code: 'INVALID_BODY',
        message: 'Request body must be a JSON object.',
      });
    }
  });

  it('actorRole before role match, role match before fields, fields before ranges', async () => {
    expect(await codeOf('acquire', {})).toEqual({
      status: 400,
      code: 'INVALID_BODY',
      message: 'Expected "actorRole" to be a string.',
    });
    expect(await codeOf('acquire', { actorRole: 5, kind: 'k' })).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "actorRole" to be a string.',
    });
    expect(await codeOf('acquire', { actorRole: 'CI' })).toEqual({
      status: 400,
      code: 'INVALID_ACTOR_ROLE',
      message: 'Expected "actorRole" to be "maintainer" or "ci".',
    });
    expect(await codeOf('acquire', { actorRole: 'maintainer' })).toMatchObject({
      status: 403,
      code: 'AUTH_ROLE_MISMATCH',
    });
    expect(await codeOf('acquire', { actorRole: 'ci', leaseTtlMs: 1 })).toEqual({
      status: 400,
      code: 'INVALID_BODY',
      message: 'Expected "kind" to be a string.',
    });
    expect(await codeOf('acquire', { actorRole: 'ci', kind: '  ', ownerId: 'o' })).toMatchObject({
      message: 'Expected "kind" to be non-empty.',
    });
    expect(await codeOf('acquire', { actorRole: 'ci', kind: 'k' })).toMatchObject({
      message: 'Expected "ownerId" to be a string.',
    });
    expect(
      await codeOf('acquire', { actorRole: 'ci', kind: 'k'.repeat(129), ownerId: 'o' }),
    ).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "kind" to be at most 128 characters.',
    });
    expect(
      await codeOf('acquire', { actorRole: 'ci', kind: 'k', ownerId: 'o', leaseTtlMs: '30000' }),
    ).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "leaseTtlMs" to be a positive integer.',
    });
    expect(
      await codeOf('acquire', {
        actorRole: 'ci',
        kind: 'k',
        ownerId: 'o',
        leaseTtlMs: 1,
        heartbeatIntervalMs: 1.5,
      }),
    ).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "heartbeatIntervalMs" to be a positive integer.',
    });
    expect(
      await codeOf('acquire', {
        actorRole: 'ci',
        kind: 'k',
        ownerId: 'o',
        leaseTtlMs: 1,
        heartbeatIntervalMs: 1,
      }),
    ).toEqual({
      status: 400,
      code: 'INVALID_LEASE_TTL',
      message: 'leaseTtlMs must be between 30000 and 7200000.',
    });
    expect(
      await codeOf('acquire', {
        actorRole: 'ci',
        kind: 'k',
        ownerId: 'o',
        heartbeatIntervalMs: 300_001,
      }),
    ).toEqual({
      status: 400,
      code: 'INVALID_HEARTBEAT_INTERVAL',
      message: 'heartbeatIntervalMs must be between 5000 and 300000.',
    });
    expect(
      await codeOf('heartbeat', {
        actorRole: 'ci',
        kind: 'k',
        ownerId: 'o',
        credentialId: 'c',
        leaseToken: 't',
        leaseTtlMs: 7_200_001,
      }),
    ).toMatchObject({ status: 400, code: 'INVALID_LEASE_TTL' });
    expect(
      await codeOf('payload-chunk', {
        actorRole: 'ci',
        kind: 'k',
        ownerId: 'o',
        credentialId: 'c',
        leaseToken: 't',
        index: -1,
      }),
    ).toEqual({
      status: 400,
      code: 'INVALID_BODY',
      message: 'Expected "index" to be a non-negative integer.',
    });
    expect(
      await codeOf('release', { actorRole: 'ci', kind: 'k', ownerId: 'o', credentialId: 'c' }),
    ).toMatchObject({
      message: 'Expected "leaseToken" to be a string.',
    });
  });

  it('refuses NUL and unpaired surrogates in fields with 400, never a store error', async () => {
    expect(await codeOf('acquire', { actorRole: 'ci', kind: 'a\u0000b', ownerId: 'o' })).toEqual({
      status: 400,
      code: 'INVALID_BODY',
      message: 'Expected "kind" to contain no NUL characters or unpaired surrogates.',
    });
    expect(
      await codeOf('admin/remove', { credentialId: 'x\ud800' }, MAINTAINER_SECRET),
    ).toMatchObject({ status: 400, code: 'INVALID_BODY' });
    // Inside a payload they are plain JSON escapes and are kept as sent.
    const kind = uniqueKind('custom');
    const payload = { nul: 'a\u0000b', lone: 'x\ud800y' };
    okBody(await h.maintainer.admin.add({ body: { kind, payload } }));
    const listed = okBody(await h.maintainer.admin.list({ body: { kind, includePayload: true } }));
    expect(listed.credentials[0]?.payload).toEqual(payload);
  });

  it('ignores unknown fields such as excludeCredentialIds', async () => {
    const kind = uniqueKind('tg');
    okBody(await h.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }));
    const response = await post('acquire', {
      actorRole: 'ci',
      kind,
      ownerId: 'o',
      excludeCredentialIds: ['x'],
      leaseTtlMs: null,
    });
    expect(response.status).toBe(200);
  });

  it('admin/add: kind, payload object, per-kind payload, then note, actorId, status', async () => {
    const add = (body: unknown) => codeOf('admin/add', body, MAINTAINER_SECRET);
    expect(await add({ payload: 'x', status: 'bogus' })).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "kind" to be a string.',
    });
    expect(await add({ kind: 'telegram', payload: [], status: 'bogus' })).toEqual({
      status: 400,
      code: 'INVALID_BODY',
      message: 'Expected "payload" to be a JSON object.',
    });
    expect(
      await add({
        kind: 'telegram',
        payload: { groupId: 'abc', driverToken: 'fake', sutToken: 'fake' },
        status: 'bogus',
      }),
    ).toEqual({
      status: 400,
      code: 'INVALID_PAYLOAD',
      message:
        'Credential payload for kind "telegram" must include "groupId" as a numeric chat id string.',
    });
    expect(
      await add({ kind: 'telegram', payload: { groupId: '-1', driverToken: 5, sutToken: 'fake' } }),
    ).toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: 'Credential payload for kind "telegram" must include "driverToken" as a string.',
    });
    expect(
      await add({ kind: 'telegram', payload: telegramPayload(), note: 5, status: 'bogus' }),
    ).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "note" to be a string.',
    });
    expect(await add({ kind: 'custom', payload: {}, actorId: 'a'.repeat(257) })).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "actorId" to be at most 256 characters.',
    });
    expect(await add({ kind: 'custom', payload: {}, status: 'bogus' })).toEqual({
      status: 400,
      code: 'INVALID_BODY',
      message: 'Expected "status" to be "active" or "disabled".',
    });
  });

  it('admin/add with a payload nested 200,000 levels deep (a 1.2 MB body) is a 400, not a 500', async () => {
    const depth = 200_000;
    const body = `{"kind":"custom","payload":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const response = await h.raw('/qa-credentials/v1/admin/add', {
      token: MAINTAINER_SECRET,
      body,
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: 'Credential payload is nested too deeply (more than 64 levels).',
    });
    const arrays = `{"kind":"custom","payload":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const second = await h.raw('/qa-credentials/v1/admin/add', {
      token: MAINTAINER_SECRET,
      body: arrays,
    });
    expect(second.status).toBe(400);
  });

  it('INVALID_PAYLOAD messages never carry the value', async () => {
    const secretish = 'fake-secret-value-123';
    const response = await codeOf(
      'admin/add',
      { kind: 'discord', payload: { guildId: secretish } },
      MAINTAINER_SECRET,
    );
    expect(response.code).toBe('INVALID_PAYLOAD');
    expect(response.message).not.toContain(secretish);
  });
});

describe('bodies, headers and routes', () => {
  it('parses JSON whatever the content-type', async () => {
    const kind = uniqueKind('none');
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
    ]) {
      const response = await h.raw(`${PREFIX}/acquire`, {
        token: CI_SECRET,
        body: JSON.stringify(acquireBody(kind)),
        headers: { 'content-type': contentType },
      });
      expect([contentType, response.status]).toEqual([contentType, 409]);
    }
    const noType = await h.raw(`${PREFIX}/acquire`, {
      token: CI_SECRET,
      body: Buffer.from(JSON.stringify(acquireBody(kind))),
    });
    expect(noType.status).toBe(409);
  });

  it('sends JSON, no-store and no x-powered-by on every answer, success or error', async () => {
    const answers = [
      await h.raw(`${PREFIX}/admin/list`, { token: MAINTAINER_SECRET, body: {} }),
      await h.raw(`${PREFIX}/acquire`, { token: CI_SECRET, body: acquireBody() }),
      await h.raw(`${PREFIX}/acquire`, { body: acquireBody() }),
      await h.raw(`${PREFIX}/nope`, { token: CI_SECRET, body: {} }),
      await h.raw('/healthz', { method: 'GET' }),
    ];
    for (const response of answers) {
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers).not.toHaveProperty('x-powered-by');
      expect(response.headers).not.toHaveProperty('etag');
      expect(typeof response.headers['x-request-id']).toBe('string');
    }
    expect(answers.map((r) => r.status)).toEqual([200, 409, 401, 404, 200]);
    expect(answers[1]!.headers['retry-after']).toBe('2');
  });

  it('answers unknown routes and methods with 404 NOT_FOUND', async () => {
    const cases: [string, string][] = [
      ['POST', `${PREFIX}/nope`],
      ['GET', `${PREFIX}/acquire`],
      ['PUT', `${PREFIX}/acquire`],
      ['POST', `${PREFIX}/ACQUIRE`],
      ['POST', `${PREFIX}/acquire/`],
      ['POST', '/acquire'],
      ['GET', '/'],
      ['POST', '/other/v1/acquire'],
      ['OPTIONS', `${PREFIX}/acquire`],
      ['OPTIONS', '/healthz'],
      ['POST', '/healthz'],
      ['POST', `${PREFIX}//acquire`],
    ];
    for (const [method, path] of cases) {
      const response = await h.raw(path, {
        method,
        token: CI_SECRET,
        ...(method === 'GET' ? {} : { body: acquireBody() }),
      });
      expect([
        method,
        path,
        response.status,
        (response.json as { code?: string } | undefined)?.code,
      ]).toEqual([method, path, 404, 'NOT_FOUND']);
    }
  });

  it('refuses a lease body over 64 KiB with 413 before reading it all', async () => {
    const body = JSON.stringify({ ...acquireBody(), padding: 'x'.repeat(64 * 1024) });
    const response = await h.raw(`${PREFIX}/acquire`, { token: CI_SECRET, body });
    expect(response.status).toBe(413);
    expect((response.json as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    // Just under the limit is fine.
    const fits = JSON.stringify({ ...acquireBody(), padding: 'x'.repeat(64 * 1024 - 200) });
    expect((await h.raw(`${PREFIX}/acquire`, { token: CI_SECRET, body: fits })).status).toBe(409);
  });

  it('refuses a streamed (chunked) body once it passes the limit', async () => {
    const small = await harnessWith({ leaseBodyMaxBytes: 1_024 });
    function* pieces() {
      yield Buffer.from('{"actorRole":"ci","kind":"k","ownerId":"o","pad":"');
      for (let i = 0; i < 10; i++) yield Buffer.from('y'.repeat(512));
      yield Buffer.from('"}');
    }
    const { request } = await import('undici');
    const response = await request(`${small.origin}${PREFIX}/acquire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CI_SECRET}` },
      body: Readable.from(pieces()),
    });
    expect(response.statusCode).toBe(413);
    expect(((await response.body.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('applies the payload ceiling to admin/add and a small limit to other admin routes', async () => {
    const tight = await harnessWith({ payloadMaxBytes: 2_048 });
    const kind = uniqueKind('custom');
    expectError(
      await tight.maintainer.admin.add({ body: { kind, payload: { blob: 'z'.repeat(4_096) } } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    okBody(
      await tight.maintainer.admin.add({ body: { kind, payload: { blob: 'z'.repeat(1_024) } } }),
    );
    const bigList = await tight.raw(`${PREFIX}/admin/list`, {
      token: MAINTAINER_SECRET,
      body: JSON.stringify({ pad: 'p'.repeat(70_000) }),
    });
    expect(bigList.status).toBe(413);
  });

  it('serves /healthz and /readyz without auth', async () => {
    expect((await h.raw('/healthz', { method: 'GET' })).json).toEqual({ status: 'ok' });
    expect((await h.raw('/readyz', { method: 'GET' })).json).toEqual({ status: 'ok' });
  });

  it('serves Prometheus metrics: requests by route and code, pools from the store', async () => {
    const metricsApp = await harnessWith({});
    const kind = uniqueKind('metrics');
    okBody(await metricsApp.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }));
    okBody(await metricsApp.maintainer.admin.add({ body: { kind, payload: telegramPayload(2) } }));
    okBody(await metricsApp.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } }));
    await metricsApp.raw(`${PREFIX}/acquire`, { body: acquireBody() });
    await metricsApp.raw('/no/such/path', { method: 'GET' });
    const response = await metricsApp.raw('/metrics', { method: 'GET' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.text;
    expect(text).toContain(
      `qa_broker_http_requests_total{route="${PREFIX}/admin/add",status="200",code=""} 2`,
    );
    expect(text).toContain(
      `qa_broker_http_requests_total{route="${PREFIX}/acquire",status="401",code="AUTH_REQUIRED"} 1`,
    );
    expect(text).toContain(
      'qa_broker_http_requests_total{route="unmatched",status="404",code="NOT_FOUND"} 1',
    );
    expect(text).toContain(`qa_broker_pool_credentials{kind="${kind}",state="free"} 1`);
    expect(text).toContain(`qa_broker_pool_credentials{kind="${kind}",state="leased"} 1`);
    expect(text).toContain('qa_broker_http_request_duration_seconds_bucket');
    expect(text).not.toContain(CI_SECRET);
  });

  it('serves the OpenAPI document of the v1 routes under the prefix', async () => {
    const response = await h.raw('/openapi.json', { method: 'GET' });
    const doc = response.json as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.servers).toEqual([{ url: PREFIX }]);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/acquire',
      '/admin/add',
      '/admin/events',
      '/admin/list',
      '/admin/policy/get',
      '/admin/policy/set',
      '/admin/quarantine',
      '/admin/queue',
      '/admin/remove',
      '/admin/restore',
      '/admin/stats',
      '/admin/update',
      '/heartbeat',
      '/payload-chunk',
      '/release',
    ]);
  });
});

describe('configuration of the app', () => {
  it('mounts the routes under a custom prefix', async () => {
    const custom = await harnessWith({ endpointPrefix: '/broker/v1' });
    expectError(
      await custom.ci.acquire({ body: { kind: uniqueKind(), ownerId: 'o', actorRole: 'ci' } }),
      409,
      'POOL_EXHAUSTED',
    );
    expect(
      (await custom.raw(`${PREFIX}/acquire`, { token: CI_SECRET, body: acquireBody() })).status,
    ).toBe(404);
  });

  it('names the lease bounds in force', async () => {
    const bounded = await harnessWith({
      leaseBounds: {
        leaseTtlMs: { min: 1_000, max: 10_000, default: 5_000 },
        heartbeatIntervalMs: { min: 100, max: 1_000, default: 500 },
      },
    });
    expectError(
      await bounded.ci.acquire({
        body: { kind: 'k', ownerId: 'o', actorRole: 'ci', leaseTtlMs: 20_000 },
      }),
      400,
      'INVALID_LEASE_TTL',
      'leaseTtlMs must be between 1000 and 10000.',
    );
    expectError(
      await bounded.ci.acquire({
        body: { kind: 'k', ownerId: 'o', actorRole: 'ci', heartbeatIntervalMs: 5_000 },
      }),
      400,
      'INVALID_HEARTBEAT_INTERVAL',
      'heartbeatIntervalMs must be between 100 and 1000.',
    );
    const kind = uniqueKind('tg');
    okBody(await bounded.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }));
    const lease = okBody(
      await bounded.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } }),
    );
    expect([lease.leaseTtlMs, lease.heartbeatIntervalMs]).toEqual([5_000, 500]);
  });
});

describe('payload cipher failures', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const brokenOpen: PieceCipher = {
    seal: (piece) => Promise.resolve(`sealed:${piece}`),
    open: () => Promise.reject(new Error('authentication tag mismatch')),
  };

  it('answers 500 PAYLOAD_UNREADABLE and gives the lease back', async () => {
    const broken = await harnessWith({ payloadCipher: brokenOpen, logger });
    const kind = uniqueKind('tg');
    const { credential } = okBody(
      await broken.maintainer.admin.add({ body: { kind, payload: telegramPayload() } }),
    );
    expectError(
      await broken.ci.acquire({ body: { kind, ownerId: 'o', actorRole: 'ci' } }),
      500,
      'PAYLOAD_UNREADABLE',
    );
    const [record] = await store.listCredentials({
      kind,
      status: 'all',
      includePayload: true,
      limit: 10,
    });
    expect(record?.lease).toBeUndefined();
    // What the store keeps went through the cipher.
    expect(record?.payload?.pieces[0]?.startsWith('sealed:')).toBe(true);
    expectError(
      await broken.maintainer.admin.list({ body: { kind, includePayload: true } }),
      500,
      'PAYLOAD_UNREADABLE',
    );
    // Without payloads the list does not need the cipher.
    expect(
      okBody(await broken.maintainer.admin.list({ body: { kind } })).credentials[0]?.credentialId,
    ).toBe(credential.credentialId);
    expect(lines.some((line) => line.includes('PAYLOAD_UNREADABLE'))).toBe(true);
  });

  it('answers 500 INTERNAL_ERROR with a generic message when sealing throws, and logs no payload', async () => {
    const failing = await harnessWith({
      logger,
      payloadCipher: {
        seal: () => Promise.reject(new Error('kms down')),
        open: (s) => Promise.resolve(s),
      },
    });
    const response = await failing.maintainer.admin.add({
      body: { kind: uniqueKind('tg'), payload: telegramPayload(7) },
    });
    const body = expectError(response, 500, 'INTERNAL_ERROR');
    expect(body.message).not.toContain('kms');
    const logged = lines.join('\n');
    expect(logged).toContain('kms down');
    expect(logged).not.toContain('fake-driver-token-7');
    expect(logged).not.toContain(MAINTAINER_SECRET);
  });
});
