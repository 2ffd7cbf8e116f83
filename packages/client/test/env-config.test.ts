import { describe, expect, it } from 'vitest';
import { BrokerError, brokerClientFromEnv, clientOptionsFromEnv, isTruthy } from '../src/index.js';

const URL = 'https://broker.example.com';

function errorOf(fn: () => unknown): BrokerError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    return error as BrokerError;
  }
  throw new Error('expected an error');
}

describe('environment configuration', () => {
  it('reads truthy values as 1/true/yes in any case', () => {
    for (const value of ['1', 'true', 'TRUE', 'Yes', ' yes ']) expect(isTruthy(value)).toBe(true);
    for (const value of [undefined, '', '0', 'false', 'no', 'on', 'y'])
      expect(isTruthy(value)).toBe(false);
  });

  it('defaults the role to ci when CI is truthy, else maintainer', () => {
    const secrets = { QA_BROKER_SECRET_CI: 'fake-ci', QA_BROKER_SECRET_MAINTAINER: 'fake-maint' };
    expect(clientOptionsFromEnv({ QA_BROKER_URL: URL, CI: 'true', ...secrets })).toMatchObject({
      role: 'ci',
      token: 'fake-ci',
    });
    expect(clientOptionsFromEnv({ QA_BROKER_URL: URL, CI: '1', ...secrets }).role).toBe('ci');
    expect(clientOptionsFromEnv({ QA_BROKER_URL: URL, CI: 'false', ...secrets })).toMatchObject({
      role: 'maintainer',
      token: 'fake-maint',
    });
    expect(clientOptionsFromEnv({ QA_BROKER_URL: URL, ...secrets }).role).toBe('maintainer');
    expect(
      clientOptionsFromEnv({
        QA_BROKER_URL: URL,
        CI: 'true',
        QA_BROKER_ROLE: 'maintainer',
        ...secrets,
      }).role,
    ).toBe('maintainer');
    expect(
      clientOptionsFromEnv({ QA_BROKER_URL: URL, OPENCLAW_QA_CREDENTIAL_ROLE: 'ci', ...secrets })
        .role,
    ).toBe('ci');
    expect(
      errorOf(() =>
        clientOptionsFromEnv({ QA_BROKER_URL: URL, QA_BROKER_ROLE: 'admin', ...secrets }),
      ).message,
    ).toContain('QA_BROKER_ROLE');
  });

  it('lets QA_BROKER_TOKEN win over the role secrets, and QA_BROKER_* over OpenClaw names', () => {
    const env = {
      QA_BROKER_URL: URL,
      OPENCLAW_QA_CONVEX_SITE_URL: 'https://old.example.com',
      QA_BROKER_ROLE: 'ci',
      QA_BROKER_TOKEN: 'fake-token',
      QA_BROKER_SECRET_CI: 'fake-ci',
    };
    expect(clientOptionsFromEnv(env)).toMatchObject({ baseUrl: URL, token: 'fake-token' });
    const { QA_BROKER_TOKEN: _t, QA_BROKER_URL: _u, ...fallbacks } = env;
    expect(clientOptionsFromEnv(fallbacks)).toMatchObject({
      baseUrl: 'https://old.example.com',
      token: 'fake-ci',
    });
    expect(
      clientOptionsFromEnv({
        ...fallbacks,
        QA_BROKER_SECRET_CI: '',
        OPENCLAW_QA_CONVEX_SECRET_CI: 'fake-old-ci',
      }).token,
    ).toBe('fake-old-ci');
  });

  it('reads numbers, owner id, prefix and insecure http with fallbacks', () => {
    const options = clientOptionsFromEnv({
      QA_BROKER_URL: 'http://127.0.0.1:9',
      QA_BROKER_TOKEN: 'fake-token',
      OPENCLAW_QA_ALLOW_INSECURE_HTTP: 'yes',
      QA_BROKER_ENDPOINT_PREFIX: '/p/v1',
      OPENCLAW_QA_CONVEX_ENDPOINT_PREFIX: '/ignored',
      QA_BROKER_LEASE_TTL_MS: '60000',
      OPENCLAW_QA_CREDENTIAL_HEARTBEAT_INTERVAL_MS: '7000',
      OPENCLAW_QA_CREDENTIAL_ACQUIRE_TIMEOUT_MS: '1234',
      QA_BROKER_HTTP_TIMEOUT_MS: '999',
      OPENCLAW_QA_CREDENTIAL_OWNER_ID: 'lane-7',
      QA_BROKER_PAYLOAD_MAX_BYTES: '2048',
    });
    expect(options).toMatchObject({
      allowInsecureHttp: true,
      endpointPrefix: '/p/v1',
      leaseTtlMs: 60_000,
      heartbeatIntervalMs: 7_000,
      acquireTimeoutMs: 1_234,
      httpTimeoutMs: 999,
      ownerId: 'lane-7',
      payloadMaxBytes: 2_048,
    });
    expect(
      errorOf(() =>
        clientOptionsFromEnv({
          QA_BROKER_URL: URL,
          QA_BROKER_TOKEN: 'x',
          OPENCLAW_QA_CREDENTIAL_LEASE_TTL_MS: '30s',
        }),
      ).message,
    ).toContain('OPENCLAW_QA_CREDENTIAL_LEASE_TTL_MS');
  });

  it('names the variable to set when something is missing or refused', () => {
    expect(errorOf(() => clientOptionsFromEnv({})).message).toContain('QA_BROKER_URL');
    expect(errorOf(() => clientOptionsFromEnv({ QA_BROKER_URL: URL, CI: 'true' })).message).toMatch(
      /QA_BROKER_TOKEN or QA_BROKER_SECRET_CI/,
    );
    const insecure = errorOf(() =>
      brokerClientFromEnv({ QA_BROKER_URL: 'http://localhost:9', QA_BROKER_TOKEN: 'fake' }),
    );
    expect(insecure.message).toMatch(/QA_BROKER_URL .*QA_BROKER_ALLOW_INSECURE_HTTP/);
    const fallbackUrl = errorOf(() =>
      brokerClientFromEnv({
        OPENCLAW_QA_CONVEX_SITE_URL: 'http://example.com',
        QA_BROKER_TOKEN: 'fake',
      }),
    );
    expect(fallbackUrl.message).toContain('OPENCLAW_QA_CONVEX_SITE_URL');
    const prefix = errorOf(() =>
      brokerClientFromEnv({
        QA_BROKER_URL: URL,
        QA_BROKER_TOKEN: 'fake',
        OPENCLAW_QA_CONVEX_ENDPOINT_PREFIX: '../x',
      }),
    );
    expect(prefix.message).toContain('OPENCLAW_QA_CONVEX_ENDPOINT_PREFIX');
  });

  it('builds a client with a default owner id of the documented shape', () => {
    const client = brokerClientFromEnv({ QA_BROKER_URL: URL, QA_BROKER_TOKEN: 'fake', CI: 'yes' });
    expect(client.role).toBe('ci');
    expect(client.ownerId).toMatch(new RegExp(`^qa-broker-ci-${process.pid}-[0-9a-f]{8}$`));
    expect(client.endpoint).toBe(`${URL}/qa-credentials/v1`);
  });
});
