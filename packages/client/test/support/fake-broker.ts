import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createBrokerClient,
  type BrokerClient,
  type BrokerClientOptions,
} from '../../src/index.js';
import { CI_SECRET, MAINTAINER_SECRET } from './broker.js';

export interface FakeRequest {
  /** The route after the endpoint prefix: `/acquire`, `/admin/queue`… */
  route: string;
  body: Record<string, unknown>;
  /** Set when the client went away before the answer was written. */
  closedEarly: boolean;
}

export interface FakeAnswer {
  status: number;
  body: unknown;
  /** Hold the answer back this long (a broker parking the request). */
  delayMs?: number;
  /** Cut the connection instead of answering (a network failure). */
  destroy?: boolean;
}

export type FakeHandler = (request: FakeRequest, index: number) => FakeAnswer;

export interface FakeBroker {
  url: string;
  requests: FakeRequest[];
  client(role?: 'ci' | 'maintainer', options?: Partial<BrokerClientOptions>): BrokerClient;
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

const PREFIX = '/qa-credentials/v1';

/**
 * A stand-in broker over real HTTP that answers from a script, for the client's side of
 * wire rules a real store cannot be made to show on demand (an old v1 broker, a queue
 * that answers "still waiting", transient failures). It checks no secret.
 */
export async function startFakeBroker(handler: FakeHandler): Promise<FakeBroker> {
  const requests: FakeRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const request: FakeRequest = {
        route: (req.url ?? '').replace(PREFIX, ''),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        closedEarly: false,
      };
      requests.push(request);
      const answer = handler(request, requests.length - 1);
      if (answer.destroy) {
        req.socket.destroy();
        return;
      }
      const send = () => {
        if (res.closed) {
          request.closedEarly = true;
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      };
      if (answer.delayMs) {
        const timer = setTimeout(send, answer.delayMs);
        res.on('close', () => {
          if (!res.writableFinished) {
            clearTimeout(timer);
            request.closedEarly = true;
          }
        });
      } else send();
    });
  };
  const server = createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    client: (role = 'ci', extra = {}) =>
      createBrokerClient({
        baseUrl: url,
        allowInsecureHttp: true,
        role,
        token: role === 'ci' ? CI_SECRET : MAINTAINER_SECRET,
        httpTimeoutMs: 5_000,
        ...extra,
      }),
    env: (extra = {}) => ({
      PATH: process.env.PATH ?? '',
      QA_BROKER_URL: url,
      QA_BROKER_ALLOW_INSECURE_HTTP: '1',
      QA_BROKER_SECRET_MAINTAINER: MAINTAINER_SECRET,
      QA_BROKER_SECRET_CI: CI_SECRET,
      ...extra,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let fencing = 0;

/** A v1 grant; with `ticket` it is the queue's grant (ticket and waitedMs added). */
export function grantBody(extra: { ticket?: unknown; waitedMs?: number } = {}) {
  fencing += 1;
  return {
    status: 'ok',
    credentialId: `fake-credential-${fencing}`,
    leaseToken: `fake-lease-token-${fencing}`,
    payload: { n: fencing },
    leaseTtlMs: 1_200_000,
    heartbeatIntervalMs: 30_000,
    expiresAtMs: Date.now() + 1_200_000,
    fencingToken: fencing,
    ...(extra.ticket === undefined ? {} : { ticket: extra.ticket, waitedMs: extra.waitedMs ?? 0 }),
  };
}

/** v1's refusal: no queue fields. */
export function exhaustedBody(retryAfterMs: number) {
  return {
    status: 'error',
    code: 'POOL_EXHAUSTED',
    message: 'No available credential for kind "fake".',
    retryAfterMs,
  };
}

/** The queue's "still waiting" answer for `ticket`. */
export function waitingBody(ticket: unknown, position: number, queueLength: number) {
  return {
    status: 'error',
    code: 'POOL_EXHAUSTED',
    message: `No credential of kind "fake" yet: position ${position} of ${queueLength}; re-ask with the same ticket.`,
    retryAfterMs: 0,
    waiting: true,
    ticket,
    position,
    queueLength,
  };
}

export function errorBody(code: string, retryAfterMs?: number) {
  return {
    status: 'error',
    code,
    message: `Fake ${code}.`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

export const okRelease = { status: 'ok' };

/** The `wait` field of a recorded acquire. */
export function waitOf(request: FakeRequest): Record<string, unknown> | undefined {
  return request.body.wait as Record<string, unknown> | undefined;
}
