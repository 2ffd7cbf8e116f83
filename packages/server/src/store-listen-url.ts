import { ConfigError } from './config-error.js';
import type { StoreLocation } from './store-location.js';

/** A setting as config.ts resolves it: its value and the flag or variable it came from. */
interface FoundSetting {
  value: string;
  source: string;
}

/**
 * `--store-listen-url` (QA_BROKER_STORE_LISTEN_URL): a direct connection to the store's
 * PostgreSQL, used only to LISTEN for wake-ups, so brokers behind PgBouncer in transaction
 * mode are woken by NOTIFY instead of their 500 ms tick. It means nothing for another
 * store, and nothing with wake-ups turned off, so either is refused rather than ignored.
 * The store checks at open that it reaches the store's database. Values are never echoed:
 * they may hold a password.
 */
export function withStoreListenUrl(
  location: StoreLocation,
  listen: FoundSetting | undefined,
  notifyOff: FoundSetting | undefined,
): StoreLocation {
  if (!listen) return location;
  if (location.type !== 'postgres') {
    throw new ConfigError(
      `${listen.source} only applies to a postgres:// store (it is the direct PostgreSQL connection wake-ups LISTEN on), and the store is ${location.type}: remove ${listen.source}.`,
    );
  }
  if (notifyOff) {
    throw new ConfigError(
      `${listen.source} gives wake-ups a LISTEN connection, but ${notifyOff.source} is off (poll-only, no LISTEN): remove one of them.`,
    );
  }
  const lower = listen.value.toLowerCase();
  const isPostgres = lower.startsWith('postgres://') || lower.startsWith('postgresql://');
  if (!isPostgres || !URL.canParse(listen.value)) {
    throw new ConfigError(
      `${listen.source} must be a postgres:// URL of a direct connection (not through the pooler) to the store's PostgreSQL server and database: fix the value of ${listen.source}.`,
    );
  }
  return { ...location, listenUrl: listen.value };
}
