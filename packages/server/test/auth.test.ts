import { describe, expect, it } from 'vitest';
import { BrokerError, RoleAuthenticator, bearerToken } from '../src/index.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError) return error.code;
    throw error;
  }
}

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER\tabc', 'abc'],
    ['   Bearer    abc   ', 'abc'],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'abc', 'Bearer a b', 'Bearerabc'])(
    '%j → missing',
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
    },
  );
});

describe('RoleAuthenticator', () => {
  const auth = new RoleAuthenticator({ maintainer: ' fake-m ', ci: 'fake-c' });

  it('maps tokens to roles, trimming configured secrets', () => {
    expect(auth.leaseRole('Bearer fake-m')).toBe('maintainer');
    expect(auth.leaseRole('Bearer fake-c')).toBe('ci');
    expect(codeOf(() => auth.leaseRole('Bearer fake-x'))).toBe('AUTH_INVALID');
    expect(codeOf(() => auth.leaseRole(undefined))).toBe('AUTH_REQUIRED');
  });

  it('admits only the maintainer to admin routes', () => {
    expect(codeOf(() => auth.requireMaintainer('Bearer fake-m'))).toBeUndefined();
    expect(codeOf(() => auth.requireMaintainer('Bearer fake-c'))).toBe('AUTH_ROLE_MISMATCH');
    expect(codeOf(() => auth.requireMaintainer('Bearer nope'))).toBe('AUTH_INVALID');
    expect(codeOf(() => auth.requireMaintainer('Token nope'))).toBe('AUTH_REQUIRED');
  });

  it('reports a misconfiguration only after a token was presented', () => {
    const none = new RoleAuthenticator({ maintainer: '   ' });
    expect(codeOf(() => none.leaseRole(undefined))).toBe('AUTH_REQUIRED');
    expect(codeOf(() => none.leaseRole('Bearer x'))).toBe('SERVER_MISCONFIGURED');
    expect(
      codeOf(() => new RoleAuthenticator({ ci: 'fake-c' }).requireMaintainer('Bearer fake-c')),
    ).toBe('SERVER_MISCONFIGURED');
  });
});
