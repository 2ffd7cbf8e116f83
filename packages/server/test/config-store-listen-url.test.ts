import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../src/config.js';
import { describeStoreLocation } from '../src/store-location.js';

const secrets = { QA_BROKER_SECRET_MAINTAINER: 'fake-m', QA_BROKER_SECRET_CI: 'fake-c' };
const POOLED = 'postgres://broker@pgbouncer:6432/qa?pooler=transaction';
const DIRECT = 'postgres://broker:fake-listen-pw@db:5432/qa';

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}

describe('--store-listen-url', () => {
  it('is read from the flag over QA_BROKER_STORE_LISTEN_URL, onto a postgres:// store', () => {
    expect(loadServeConfig({ store: POOLED, 'store-listen-url': DIRECT }, secrets).store).toEqual({
      type: 'postgres',
      url: POOLED,
      listenUrl: DIRECT,
    });
    const fromEnv = loadServeConfig(
      { store: POOLED },
      { ...secrets, QA_BROKER_STORE_LISTEN_URL: ` ${DIRECT} ` },
    );
    expect(fromEnv.store).toMatchObject({ listenUrl: DIRECT });
    const flagWins = loadServeConfig(
      { store: POOLED, 'store-listen-url': 'postgres://broker@db-2:5432/qa' },
      { ...secrets, QA_BROKER_STORE_LISTEN_URL: DIRECT },
    );
    expect(flagWins.store).toMatchObject({ listenUrl: 'postgres://broker@db-2:5432/qa' });
    expect(loadServeConfig({ store: POOLED }, secrets).store).not.toHaveProperty('listenUrl');
  });

  it('is refused for a Redis or PGlite store, naming where it came from', () => {
    const redis = errorOf(() =>
      loadServeConfig({ store: 'redis://r:6379', 'store-listen-url': DIRECT }, secrets),
    );
    expect(redis).toContain('--store-listen-url only applies to a postgres:// store');
    expect(redis).toContain('the store is redis');
    const pglite = errorOf(() =>
      loadServeConfig({}, { ...secrets, QA_BROKER_STORE_LISTEN_URL: DIRECT }),
    );
    expect(pglite).toContain('QA_BROKER_STORE_LISTEN_URL only applies to a postgres:// store');
    expect(pglite).toContain('the store is pglite');
  });

  it('is refused together with --store-notify off, naming both', () => {
    expect(
      errorOf(() =>
        loadServeConfig(
          { store: POOLED, 'store-listen-url': DIRECT, 'store-notify': 'off' },
          secrets,
        ),
      ),
    ).toBe(
      '--store-listen-url gives wake-ups a LISTEN connection, but --store-notify is off (poll-only, no LISTEN): remove one of them.',
    );
    expect(
      errorOf(() =>
        loadServeConfig(
          { store: POOLED, 'store-listen-url': DIRECT },
          { ...secrets, QA_BROKER_STORE_NOTIFY: 'false' },
        ),
      ),
    ).toContain('but QA_BROKER_STORE_NOTIFY is off');
  });

  it('must be a postgres:// URL, and a bad one is not echoed', () => {
    for (const bad of ['redis://u:fake-listen-pw@r:6379', 'postgres://u:fake-listen-pw@[bad']) {
      const message = errorOf(() =>
        loadServeConfig({ store: POOLED, 'store-listen-url': bad }, secrets),
      );
      expect(message).toContain('--store-listen-url must be a postgres:// URL');
      expect(message).not.toContain('fake-listen-pw');
    }
  });

  it('is described with its password redacted, after the store', () => {
    const described = describeStoreLocation({
      type: 'postgres',
      url: 'postgres://broker:fake-store-pw@pgbouncer:6432/qa?pooler=transaction',
      listenUrl: DIRECT,
    });
    expect(described).toBe(
      'postgres://broker:***@pgbouncer:6432/qa?pooler=transaction, wake-ups LISTEN on postgres://broker:***@db:5432/qa',
    );
    expect(
      describeStoreLocation({
        type: 'postgres',
        url: POOLED,
        listenUrl: 'postgres://broker@db:5432/qa?password=fake-query-pw',
      }),
    ).not.toContain('fake-query-pw');
  });
});
