import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { LeaseBounds } from '@qa-broker/contract';
import { createBrokerApp, type BrokerAppOptions } from '@qa-broker/server';
import {
  createBrokerClient,
  type BrokerClient,
  type BrokerClientOptions,
} from '../../src/index.js';

/** The store interface, as the broker app takes it (the client does not depend on the store package). */
export type CredentialStore = BrokerAppOptions['store'];

/** Obviously fake role secrets. */
export const MAINTAINER_SECRET = 'fake-maintainer-secret-for-tests';
export const CI_SECRET = 'fake-ci-secret-for-tests';

/** Small bounds so lease loss can be seen in about a second. */
export const SHORT_LEASE_BOUNDS: LeaseBounds = {
  leaseTtlMs: { default: 1_000, min: 300, max: 60_000 },
  heartbeatIntervalMs: { default: 200, min: 50, max: 60_000 },
};

export interface RunningBroker {
  /** http://127.0.0.1:<port> */
  url: string;
  store: CredentialStore;
  /** A client of this broker, with its role's secret unless `token` is given. */
  client(role?: 'ci' | 'maintainer', options?: Partial<BrokerClientOptions>): BrokerClient;
  /** The environment the CLI needs to reach this broker. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Stops answering: closes the listener and every open connection. The store stays open. */
  stop(): Promise<void>;
  /** Answers again on the same port after `stop()`. */
  restart(): Promise<void>;
}

/** The real broker app over a real store, listening on a free loopback port. */
export async function startBroker(
  store: CredentialStore,
  options: { leaseBounds?: LeaseBounds } = {},
): Promise<RunningBroker> {
  const app = createBrokerApp({
    store,
    secrets: { maintainer: MAINTAINER_SECRET, ci: CI_SECRET },
    ...(options.leaseBounds ? { leaseBounds: options.leaseBounds } : {}),
  });
  const listen = async (port: number): Promise<Server> => {
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return server;
  };
  let server = await listen(0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    store,
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
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
    restart: async () => {
      if (!stopped) throw new Error('restart() needs stop() first');
      await stopped;
      server = await listen(port);
      stopped = undefined;
    },
  };
}

/** A short unique kind, so tests sharing one store never see each other's pools. */
export function uniqueKind(label = 'kind'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function telegramPayload(n = 1) {
  return {
    groupId: `-100${n}`,
    driverToken: `fake-driver-token-${n}`,
    sutToken: `fake-sut-token-${n}`,
  };
}
