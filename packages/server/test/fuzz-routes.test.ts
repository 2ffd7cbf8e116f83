import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DEFAULT_ENDPOINT_PREFIX, ERROR_CODES, isErrorCode } from '@qa-broker/contract';
import type { BrokerEvent, CredentialStore } from '@qa-broker/store';
import { openPgliteStore } from '@qa-broker/store-postgres';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIsolatedStore } from '../../store-redis/test/support/test-redis.js';
import { createBrokerApp } from '../src/index.js';

/**
 * Hostile input, property-based: every route gets random and malformed bodies, headers
 * and ids over real HTTP. Whatever arrives, the broker never answers 5xx, always answers
 * the JSON envelope with the status the contract table gives its code, never changes the
 * store when it refuses a request, and never lets a body touch Object.prototype.
 */
const MAINTAINER = 'fuzz-maintainer-secret-not-real';
const CI = 'fuzz-ci-secret-not-real';
const PREFIX = DEFAULT_ENDPOINT_PREFIX;
/** Small, so 413 cases stay cheap. */
const PAYLOAD_MAX_BYTES = 200_000;
const LEASE_BODY_MAX_BYTES = 64 * 1024;
const RUNS = Number(process.env.QA_BROKER_FUZZ_RUNS ?? 60);

const ROUTES = {
  acquire: ['kind', 'ownerId', 'actorRole', 'leaseTtlMs', 'heartbeatIntervalMs'],
  heartbeat: ['kind', 'ownerId', 'actorRole', 'credentialId', 'leaseToken', 'leaseTtlMs'],
  release: ['kind', 'ownerId', 'actorRole', 'credentialId', 'leaseToken'],
  'payload-chunk': ['kind', 'ownerId', 'actorRole', 'credentialId', 'leaseToken', 'index'],
  'admin/add': ['kind', 'payload', 'note', 'actorId', 'status'],
  'admin/remove': ['credentialId', 'actorId'],
  'admin/list': ['kind', 'status', 'includePayload', 'limit'],
} as const;
type Route = keyof typeof ROUTES;
const ROUTE_NAMES = Object.keys(ROUTES) as Route[];

/** Refusals that the spec has the store record as an event (and nothing else), by route. */
const REFUSALS_WITH_EVENT: Partial<Record<string, string>> = {
  'acquire POOL_EXHAUSTED': 'acquire_failed',
  'admin/remove CREDENTIAL_NOT_FOUND': 'disable_failed',
  'admin/remove LEASE_ACTIVE': 'disable_failed',
};

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

interface Known {
  kind: string;
  credentialIds: string[];
  leases: { credentialId: string; leaseToken: string; ownerId: string }[];
}

// ---- Arbitraries.

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\t\n ',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    "' OR 1=1 --",
    '"; DROP TABLE credentials; --',
    '{fuzz-kind}',
    '*',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udc00x',
    '\u0001',
    '\ufffe',
    '\u202e',
    'ci',
    'maintainer',
    'CI',
    ' ci ',
    'active',
    'disabled',
    'all',
    'telegram',
    'discord',
    '../../etc/passwd',
    '%00',
    '30000',
    'x'.repeat(129),
    'y'.repeat(257),
    'z'.repeat(1_001),
  ),
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 1.5, 4_999, 5_000, 29_999, 30_000, 7_200_001, 1e308, -0, 2 ** 53 + 2),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Sometimes the right value for a field (so deeper checks run), often garbage. */
function fieldValue(field: string, known: Known): fc.Arbitrary<unknown> {
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    kind: fc.constantFrom(known.kind, 'telegram', 'fuzz-other-kind'),
    ownerId: fc.constantFrom('fuzz-owner', ...known.leases.map((lease) => lease.ownerId)),
    actorRole: fc.constantFrom('ci', 'maintainer'),
    credentialId: fc.constantFrom(...known.credentialIds, '00000000-0000-0000-0000-000000000000'),
    leaseToken: fc.constantFrom(
      'fake-lease-token',
      ...known.leases.map((lease) => lease.leaseToken),
    ),
    leaseTtlMs: fc.integer({ min: 30_000, max: 7_200_000 }),
    heartbeatIntervalMs: fc.integer({ min: 5_000, max: 300_000 }),
    index: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(2 ** 31, 2 ** 53 - 1)),
    payload: fc.oneof(
      fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      fc.constant({ groupId: '-100123', driverToken: 'fake-driver', sutToken: 'fake-sut' }),
    ),
    note: hostileString,
    actorId: hostileString,
    status: fc.constantFrom('active', 'disabled', 'all'),
    includePayload: fc.boolean(),
    limit: fc.integer({ min: 1, max: 500 }),
  };
  return fc.oneof({ weight: 4, arbitrary: plausible[field] ?? hostileValue }, hostileValue);
}

/**
 * Deep or wide JSON as text (JSON.stringify itself would overflow on the deep ones): up to
 * 30,000 levels of objects or arrays, or thousands of keys or elements.
 */
const deepOrWideText = fc.oneof(
  fc
    .tuple(
      fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 5_000, max: 30_000 })),
      fc.boolean(),
    )
    .map(([depth, arrays]) =>
      arrays
        ? '['.repeat(depth) + ']'.repeat(depth)
        : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    ),
  fc
    .integer({ min: 1, max: 10_000 })
    .map((width) => `{${Array.from({ length: width }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  fc
    .integer({ min: 1, max: 10_000 })
    .map((width) => `[${Array.from({ length: width }, (_, i) => i).join(',')}]`),
);

/** A body as raw text: mostly an object of the route's fields, sometimes anything at all. */
function bodyText(route: Route, known: Known): fc.Arbitrary<string> {
  const fields = ROUTES[route];
  const shape = Object.fromEntries(
    fields.map((field) => [field, fieldValue(field, known)]),
  ) as Record<string, fc.Arbitrary<unknown>>;
  // Mostly every field present (so requests get past the field checks), else any subset.
  const record = fc.oneof(
    { weight: 3, arbitrary: fc.record(shape) },
    fc.record(shape, { requiredKeys: [] }),
  );
  const withExtras = fc
    .tuple(record, fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }))
    .map(([fieldsPart, extra]) => ({ ...extra, ...fieldsPart }));
  // JSON.stringify drops a real __proto__ key, so pollution attempts are spliced in as text.
  const pollution = fc.constantFrom(
    '"__proto__":{"polluted":"yes","isAdmin":true}',
    '"constructor":{"prototype":{"polluted":"yes"}}',
    '"__proto__":{"__proto__":{"polluted":"yes"}}',
    '"payload":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
  );
  const polluted = fc.tuple(withExtras, pollution).map(([body, attack]) => {
    const text = JSON.stringify(body);
    return text === '{}' ? `{${attack}}` : `{${attack},${text.slice(1)}`;
  });
  // One field (the payload most of all) replaced by deep or wide JSON.
  const deepOrWide = fc
    .tuple(
      withExtras,
      fc.oneof(
        { weight: fields.length, arbitrary: fc.constant('payload') },
        fc.constantFrom(...fields),
      ),
      deepOrWideText,
    )
    .map(([body, field, value]) => {
      const rest = JSON.stringify({ ...body, [field]: undefined });
      return rest === '{}' ? `{"${field}":${value}}` : `{"${field}":${value},${rest.slice(1)}`;
    });
  return fc.oneof(
    { weight: 6, arbitrary: withExtras.map((body) => JSON.stringify(body)) },
    { weight: 2, arbitrary: polluted },
    { weight: 2, arbitrary: deepOrWide },
    fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
    fc.string({ maxLength: 60 }),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '{"kind":',
      'null',
      '[]',
      '"x"',
      '\ufeff{}',
      '{"a":1}garbage',
      'NaN',
    ),
  );
}

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(`Bearer ${CI}`, `Bearer ${MAINTAINER}`) },
  fc.constantFrom(
    `Bearer ${CI}`,
    `Bearer ${MAINTAINER}`,
    `bearer   ${CI}  `,
    `BEARER ${MAINTAINER}`,
    'Bearer',
    'Bearer ',
    `Basic ${CI}`,
    `Bearer ${CI} extra`,
    `Bearer ${CI.toUpperCase()}`,
    `Bearer ${MAINTAINER.slice(0, -1)}`,
  ),
  fc.string({ maxLength: 30 }).map((text) => text.replace(/[\r\n\0]/g, '')),
  fc.constant(undefined),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
  '',
  undefined,
);

// ---- The broker under test and the store comparison.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | undefined;
}

interface StoreState {
  credentials: unknown;
  events: BrokerEvent[];
}

function setUp(
  name: string,
  openStore: () => Promise<{ store: CredentialStore; cleanup: () => Promise<void> }>,
) {
  let store: CredentialStore;
  let cleanup: () => Promise<void>;
  let server: Server;
  let origin: string;
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const known: Known = { kind: `fuzz-${name}`, credentialIds: [], leases: [] };

  async function post(
    path: string,
    text: string,
    headers: Record<string, string>,
  ): Promise<Answer> {
    const answer = await request(`${origin}${path}`, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: text,
    });
    const raw = await answer.body.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { status: answer.statusCode, headers: answer.headers, body };
  }

  const maintainerHeaders = {
    authorization: `Bearer ${MAINTAINER}`,
    'content-type': 'application/json',
  };

  async function state(): Promise<StoreState> {
    const listed = await post(
      `${PREFIX}/admin/list`,
      JSON.stringify({ includePayload: true, limit: 500 }),
      maintainerHeaders,
    );
    expect(listed.status).toBe(200);
    const events: BrokerEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listEvents({ limit: 500, ...(cursor ? { cursor } : {}) });
      events.push(...page.events);
      cursor = page.nextCursor;
    } while (cursor);
    return { credentials: listed.body?.credentials, events };
  }

  /** What must hold for every answer, and for the store after a refusal. */
  async function expectSound(route: string, answer: Answer, before: StoreState): Promise<void> {
    expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toBeDefined();
    expect(PROTOTYPE_KEYS).toEqual(Object.getOwnPropertyNames(Object.prototype).sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (answer.status < 400) {
      expect(answer.body?.status).toBe('ok');
      return;
    }
    expect(answer.body?.status).toBe('error');
    const code = answer.body?.code;
    expect(isErrorCode(code), String(code)).toBe(true);
    if (!isErrorCode(code)) return;
    expect(answer.status).toBe(ERROR_CODES[code].status);
    const after = await state();
    expect(after.credentials).toEqual(before.credentials);
    const allowed = REFUSALS_WITH_EVENT[`${route} ${code}`];
    const added = after.events.slice(before.events.length);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    if (allowed) expect(added.every((event) => event.eventType === allowed)).toBe(true);
    else expect(added).toEqual([]);
  }

  beforeAll(async () => {
    ({ store, cleanup } = await openStore());
    const app = createBrokerApp({
      store,
      secrets: { maintainer: MAINTAINER, ci: CI },
      payloadMaxBytes: PAYLOAD_MAX_BYTES,
      leaseBodyMaxBytes: LEASE_BODY_MAX_BYTES,
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A few credentials and one held lease, so ids and tokens in the fuzz can be real.
    for (let i = 0; i < 3; i++) {
      const added = await post(
        `${PREFIX}/admin/add`,
        JSON.stringify({ kind: known.kind, payload: { fake: `not-a-secret-${i}` } }),
        maintainerHeaders,
      );
      known.credentialIds.push(
        String((added.body?.credential as { credentialId: string }).credentialId),
      );
    }
    const ownerId = 'fuzz-holder';
    const granted = await post(
      `${PREFIX}/acquire`,
      JSON.stringify({ kind: known.kind, ownerId, actorRole: 'ci' }),
      { authorization: `Bearer ${CI}` },
    );
    expect(granted.status).toBe(200);
    known.leases.push({
      credentialId: String(granted.body?.credentialId),
      leaseToken: String(granted.body?.leaseToken),
      ownerId,
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await agent.close();
    await cleanup?.();
  });

  return { post, state, expectSound, known, origin: () => origin };
}

function describeFuzz(
  name: string,
  openStore: () => Promise<{ store: CredentialStore; cleanup: () => Promise<void> }>,
) {
  describe(`hostile input (${name})`, () => {
    const broker = setUp(name, openStore);

    it.each(ROUTE_NAMES)('%s: random bodies and headers never break the broker', async (route) => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(
          bodyText(route, broker.known),
          authorization,
          contentType,
          async (text, auth, type) => {
            const headers: Record<string, string> = {};
            if (auth !== undefined) headers.authorization = auth;
            if (type !== undefined) headers['content-type'] = type;
            const before = await broker.state();
            const answer = await broker.post(`${PREFIX}/${route}`, text, headers);
            await broker.expectSound(route, answer, before);
            const outcome = String(answer.body?.code ?? answer.body?.status);
            seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
          },
        ),
        { numRuns: RUNS },
      );
      // The fuzz got past auth and parsing, not only bounced off the front door.
      const deeper = [...seen.keys()].filter((code) => !/^(AUTH_|INVALID_JSON$)/.test(code));
      expect(deeper.length, JSON.stringify(Object.fromEntries(seen))).toBeGreaterThanOrEqual(2);
    });

    it('unknown paths and methods are a 404 envelope, never a 500', async () => {
      const segment = fc.oneof(
        fc.constantFrom(
          'acquire',
          'ACQUIRE',
          'acquire/',
          'admin',
          'admin/add/',
          '..',
          '%2e%2e',
          '__proto__',
          'constructor',
        ),
        fc.stringMatching(/^[A-Za-z0-9._~%-]{0,20}$/),
      );
      const method = fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST');
      await fc.assert(
        fc.asyncProperty(segment, method, async (path, verb) => {
          const before = await broker.state();
          const answer = await request(`${broker.origin()}${PREFIX}/${path}`, {
            method: verb,
            headers: { authorization: `Bearer ${MAINTAINER}` },
            ...(verb === 'GET' ? {} : { body: '{}' }),
          });
          const text = await answer.body.text();
          const parsed = {
            status: answer.statusCode,
            headers: answer.headers,
            body: JSON.parse(text) as Record<string, unknown>,
          };
          if (parsed.status !== 404) {
            // Only a real route under POST may answer something else.
            expect(verb).toBe('POST');
            expect(Object.keys(ROUTES)).toContain(path);
          }
          await broker.expectSound(path, parsed, before);
        }),
        { numRuns: RUNS },
      );
    });

    it('oversized bodies are 413, declared or streamed, and change nothing', async () => {
      const cases = fc.tuple(
        fc.constantFrom<[Route, number]>(
          ['acquire', LEASE_BODY_MAX_BYTES],
          ['heartbeat', LEASE_BODY_MAX_BYTES],
          ['admin/list', 64 * 1024],
          ['admin/remove', 64 * 1024],
          ['admin/add', PAYLOAD_MAX_BYTES],
        ),
        fc.integer({ min: 1, max: 4_096 }),
        fc.boolean(),
      );
      await fc.assert(
        fc.asyncProperty(cases, async ([[route, limit], over, streamed]) => {
          const auth = route.startsWith('admin') ? MAINTAINER : CI;
          const filler = 'f'.repeat(limit + over);
          const text = JSON.stringify({
            kind: broker.known.kind,
            ownerId: 'o',
            actorRole: 'ci',
            note: filler,
          });
          const before = await broker.state();
          const pieces: string[] = [];
          for (let i = 0; i < text.length; i += 16_384) pieces.push(text.slice(i, i + 16_384));
          // Streamed: no Content-Length, so the server has to count while it reads.
          const body = streamed ? Readable.from(pieces) : text;
          let answer: Dispatcher.ResponseData;
          try {
            answer = await request(`${broker.origin()}${PREFIX}/${route}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${auth}` },
              body,
            });
          } catch {
            // A server may answer 413 and close before the whole body is sent.
            expect(streamed).toBe(true);
            expect(await broker.state()).toEqual(before);
            return;
          }
          const parsed = {
            status: answer.statusCode,
            headers: answer.headers,
            body: JSON.parse(await answer.body.text()) as Record<string, unknown>,
          };
          expect(parsed.status).toBe(413);
          expect(parsed.body.code).toBe('PAYLOAD_TOO_LARGE');
          await broker.expectSound(route, parsed, before);
        }),
        { numRuns: Math.max(10, Math.floor(RUNS / 3)) },
      );
    });

    it('admin/add with a deep or wide payload is never a 500, and deep is INVALID_PAYLOAD', async () => {
      await fc.assert(
        fc.asyncProperty(deepOrWideText, async (value) => {
          const before = await broker.state();
          const text = `{"kind":"${broker.known.kind}","note":"fuzz","payload":{"v":${value}}}`;
          const answer = await broker.post(`${PREFIX}/admin/add`, text, {
            authorization: `Bearer ${MAINTAINER}`,
          });
          expect(answer.status).toBeLessThan(500);
          // Levels of the generated value; the payload object around it is one more.
          const levels = value.startsWith('[[')
            ? value.indexOf(']')
            : value.startsWith('{"a":')
              ? value.indexOf('1') / 5
              : 1;
          if (levels + 1 > 64) {
            expect([answer.status, answer.body?.code]).toEqual([400, 'INVALID_PAYLOAD']);
          }
          if (answer.status !== 200) await broker.expectSound('admin/add', answer, before);
        }),
        { numRuns: Math.max(10, Math.floor(RUNS / 3)) },
      );
    });

    it('a NUL or lone surrogate in any string field is never a 500 (found by the fuzz)', async () => {
      const lease = broker.known.leases[0]!;
      const valid: Record<Route, Record<string, unknown>> = {
        acquire: { kind: broker.known.kind, ownerId: 'fuzz-owner', actorRole: 'ci' },
        heartbeat: { kind: broker.known.kind, actorRole: 'ci', ...lease },
        release: {
          kind: broker.known.kind,
          actorRole: 'ci',
          ...lease,
          leaseToken: 'fake-other-token',
        },
        'payload-chunk': { kind: broker.known.kind, actorRole: 'ci', ...lease },
        'admin/add': { kind: broker.known.kind, payload: { fake: 'x' }, note: 'n', actorId: 'a' },
        'admin/remove': { credentialId: broker.known.credentialIds[1]!, actorId: 'a' },
        'admin/list': { kind: broker.known.kind },
      };
      const failures: string[] = [];
      for (const route of ROUTE_NAMES) {
        const fields = Object.keys(valid[route]).filter(
          (field) => typeof valid[route][field] === 'string',
        );
        for (const field of [...fields, 'payload-key']) {
          if (field === 'payload-key' && route !== 'admin/add') continue;
          for (const hostile of ['a\u0000b', '\ud800']) {
            const body =
              field === 'payload-key'
                ? { ...valid[route], payload: { [hostile]: hostile } }
                : { ...valid[route], [field]: hostile };
            const token = route.startsWith('admin') ? MAINTAINER : CI;
            const before = await broker.state();
            const answer = await broker.post(`${PREFIX}/${route}`, JSON.stringify(body), {
              authorization: `Bearer ${token}`,
            });
            if (answer.status >= 500)
              failures.push(`${route} ${field}=${JSON.stringify(hostile)} → ${answer.status}`);
            else await broker.expectSound(route, answer, before);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('payload-chunk with an index past 32 bits is never a 500 (found by the fuzz)', async () => {
      const lease = broker.known.leases[0]!;
      const failures: string[] = [];
      for (const credentialId of [lease.credentialId, 'no-such-credential']) {
        for (const index of [2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1]) {
          const body = { kind: broker.known.kind, actorRole: 'ci', ...lease, credentialId, index };
          const before = await broker.state();
          const answer = await broker.post(`${PREFIX}/payload-chunk`, JSON.stringify(body), {
            authorization: `Bearer ${CI}`,
          });
          if (answer.status >= 500)
            failures.push(`${credentialId} index ${index} → ${answer.status}`);
          else await broker.expectSound('payload-chunk', answer, before);
        }
      }
      expect(failures).toEqual([]);
    });

    it('a payload with __proto__ and constructor keys is stored as plain data', async () => {
      const attack =
        '{"kind":"fuzz-proto","payload":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"fake":"x"}}';
      const added = await broker.post(`${PREFIX}/admin/add`, attack, {
        authorization: `Bearer ${MAINTAINER}`,
      });
      expect(added.status).toBe(200);
      const listed = await broker.post(
        `${PREFIX}/admin/list`,
        JSON.stringify({ kind: 'fuzz-proto', includePayload: true }),
        { authorization: `Bearer ${MAINTAINER}` },
      );
      const payload = (listed.body?.credentials as { payload: Record<string, unknown> }[])[0]!
        .payload;
      expect(Object.hasOwn(payload, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
    });
  });
}

describeFuzz('pglite', async () => {
  // One in-memory PGlite for this file.
  const store = await openPgliteStore({});
  return { store, cleanup: () => store.close() };
});

describeFuzz('redis', async () => {
  const { store, cleanup } = await openIsolatedStore();
  return { store, cleanup };
});
