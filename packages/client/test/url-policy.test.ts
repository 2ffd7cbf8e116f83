import { describe, expect, it } from 'vitest';
import {
  BrokerError,
  checkBaseUrl,
  checkEndpointPrefix,
  createBrokerClient,
} from '../src/index.js';

function configErrorOf(fn: () => unknown): BrokerError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('INVALID_CONFIG');
    return error as BrokerError;
  }
  throw new Error('expected a configuration error');
}

describe('base URL policy', () => {
  it('accepts https anywhere and strips a trailing slash', () => {
    expect(checkBaseUrl('https://broker.example.com/', false)).toBe('https://broker.example.com');
    expect(checkBaseUrl(' https://broker.example.com/base/ ', false)).toBe(
      'https://broker.example.com/base',
    );
  });

  it('accepts http only for loopback hosts and only with the opt-in', () => {
    for (const url of [
      'http://127.0.0.1:8080',
      'http://127.9.3.4',
      'http://[::1]:3000',
      'http://localhost:1',
    ]) {
      expect(checkBaseUrl(url, true)).toBe(url);
      expect(configErrorOf(() => checkBaseUrl(url, false)).message).toContain('allowInsecureHttp');
    }
    for (const url of [
      'http://10.0.0.1',
      'http://broker.example.com',
      'http://128.0.0.1',
      'http://localhost.evil.com',
    ]) {
      expect(configErrorOf(() => checkBaseUrl(url, true)).message).toContain('must use https://');
    }
  });

  it('refuses other schemes, credentials in the URL, queries and garbage', () => {
    expect(configErrorOf(() => checkBaseUrl('ftp://x.example', true)).message).toContain(
      'https://',
    );
    const withUser = configErrorOf(() => checkBaseUrl('https://user:fake-secret@x.example', false));
    expect(withUser.message).not.toContain('fake-secret');
    expect(configErrorOf(() => checkBaseUrl('https://x.example/?a=1', false)).message).toContain(
      'query',
    );
    expect(configErrorOf(() => checkBaseUrl('not a url', false)).message).toContain('baseUrl');
  });

  it('names the variable to set when given setting names', () => {
    const names = {
      baseUrl: 'QA_BROKER_URL',
      endpointPrefix: 'QA_BROKER_ENDPOINT_PREFIX',
      allowInsecureHttp: 'QA_BROKER_ALLOW_INSECURE_HTTP',
    };
    expect(configErrorOf(() => checkBaseUrl('http://127.0.0.1', false, names)).message).toMatch(
      /QA_BROKER_URL .*set QA_BROKER_ALLOW_INSECURE_HTTP/,
    );
    expect(configErrorOf(() => checkEndpointPrefix('x', names)).message).toContain(
      'QA_BROKER_ENDPOINT_PREFIX',
    );
  });
});

describe('endpoint prefix policy', () => {
  it('accepts absolute paths', () => {
    expect(checkEndpointPrefix('/qa-credentials/v1')).toBe('/qa-credentials/v1');
    expect(checkEndpointPrefix('/a/b/')).toBe('/a/b');
    expect(checkEndpointPrefix('/')).toBe('');
  });

  it.each([
    ['relative', 'qa/v1'],
    ['protocol-relative', '//evil.example/v1'],
    ['backslash', '/a\\b'],
    ['dot-dot', '/a/../b'],
    ['encoded dot-dot', '/a/%2e%2E/b'],
    ['query', '/a?b'],
    ['encoded slash', '/a%2fb'],
  ])('refuses a %s prefix', (_label, prefix) => {
    configErrorOf(() => checkEndpointPrefix(prefix));
  });

  it('is applied by createBrokerClient', () => {
    const base = {
      baseUrl: 'https://broker.example.com',
      token: 'fake-token',
      role: 'ci' as const,
    };
    expect(createBrokerClient({ ...base, endpointPrefix: '/custom/v1/' }).endpoint).toBe(
      'https://broker.example.com/custom/v1',
    );
    expect(createBrokerClient(base).endpoint).toBe('https://broker.example.com/qa-credentials/v1');
    configErrorOf(() => createBrokerClient({ ...base, endpointPrefix: '//x' }));
    configErrorOf(() => createBrokerClient({ ...base, baseUrl: 'http://127.0.0.1:1' }));
    configErrorOf(() => createBrokerClient({ ...base, token: '  ' }));
  });
});
