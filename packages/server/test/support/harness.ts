import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ENDPOINT_PREFIX, brokerContract } from '@qa-broker/contract';
import type { BrokerContract } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { initClient } from '@ts-rest/core';
import type { InitClientReturn } from '@ts-rest/core';
import { request } from 'undici';
import { brokerAppControls, createBrokerApp } from '../../src/index.js';
import type { BrokerAppControls, BrokerAppOptions } from '../../src/index.js';

/** Obviously fake role secrets. */
export const MAINTAINER_SECRET = 'test-maintainer-secret-not-real';
export const CI_SECRET = 'test-ci-secret-not-real';

/**
 * A typed client over the contract that validates every answer (success and error)
 * against the contract's response schemas and throws on a status the contract does not list.
 */
export function contractClient(baseUrl: string, token?: string): ContractClient {
  return initClient(brokerContract, {
    baseUrl,
    validateResponse: true,
    throwOnUnknownStatus: true,
    baseHeaders: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

interface ContractClientArgs {
  baseUrl: string;
  validateResponse: true;
  throwOnUnknownStatus: true;
  baseHeaders: Record<string, string>;
}
export type ContractClient = InitClientReturn<BrokerContract, ContractClientArgs>;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface BrokerHarness {
  /** Server origin, e.g. http://127.0.0.1:1234. */
  origin: string;
  /** Origin + endpoint prefix: the client's base URL. */
  baseUrl: string;
  store: CredentialStore;
  /** The app's queue controls (drain parked requests, stop ticks and wake-ups). */
  controls: BrokerAppControls;
  maintainer: ContractClient;
  ci: ContractClient;
  clientWith(token?: string): ContractClient;
  /** A raw request to `path` (relative to the origin); `body` strings are sent as is. */
  raw(
    path: string,
    options?: {
      method?: string;
      body?: unknown;
      token?: string;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    },
  ): Promise<RawResponse>;
  /** Closes the server (never the store: the caller owns it). */
  close(): Promise<void>;
}

export async function startHarness(
  store: CredentialStore,
  options: Partial<BrokerAppOptions> = {},
): Promise<BrokerHarness> {
  const app = createBrokerApp({
    store,
    secrets: { maintainer: MAINTAINER_SECRET, ci: CI_SECRET },
    ...options,
  });
  const controls = brokerAppControls(app);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const baseUrl = origin + (options.endpointPrefix ?? DEFAULT_ENDPOINT_PREFIX);

  const raw: BrokerHarness['raw'] = async (path, rawOptions = {}) => {
    const headers: Record<string, string> = { ...rawOptions.headers };
    if (rawOptions.token !== undefined) headers.authorization = `Bearer ${rawOptions.token}`;
    const body =
      rawOptions.body === undefined
        ? undefined
        : typeof rawOptions.body === 'string' || rawOptions.body instanceof Uint8Array
          ? rawOptions.body
          : JSON.stringify(rawOptions.body);
    const response = await request(origin + path, {
      method: (rawOptions.method ?? 'POST') as 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
      ...(rawOptions.signal ? { signal: rawOptions.signal } : {}),
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, text, json };
  };

  return {
    origin,
    baseUrl,
    store,
    controls,
    maintainer: contractClient(baseUrl, MAINTAINER_SECRET),
    ci: contractClient(baseUrl, CI_SECRET),
    clientWith: (token) => contractClient(baseUrl, token),
    raw,
    close: async () => {
      await controls.close();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}
