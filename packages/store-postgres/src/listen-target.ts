import { StoreError } from '@qa-broker/store';
import { takePoolerOption, type PoolerMode } from './pooler.js';

/** How the option is named in messages: the store's option and the server's flag. */
export const LISTEN_OPTION_NAMES = 'listenConnectionString (the server: --store-listen-url)';

export interface WakeupOptions {
  notify?: boolean;
  listenConnectionString?: string;
}

export interface ListenConnection {
  connectionString: string;
  /** A URL other than the store's: check at open that it reaches the store's database. */
  verify: boolean;
}

/**
 * Where the WakeListener connects, or undefined for poll-only:
 * - `notify: false` wins over everything: poll-only.
 * - a `listenConnectionString`: there (it must not be a transaction pooler).
 * - behind a transaction pooler without one: poll-only, since LISTEN through the pooler
 *   hears nothing (the pooler hands the server session on after the LISTEN statement);
 *   `notify: true` there is a mistake and refused.
 * - otherwise the store's own URL.
 */
export function listenConnectionFor(
  options: WakeupOptions,
  pooler: PoolerMode,
  storeConnectionString: string,
): ListenConnection | undefined {
  if (options.notify === false) return undefined;
  if (options.listenConnectionString !== undefined) {
    return { connectionString: directListenUrl(options.listenConnectionString), verify: true };
  }
  if (pooler !== 'transaction') return { connectionString: storeConnectionString, verify: false };
  if (options.notify === true) {
    throw new StoreError(
      'INTERNAL_ERROR',
      `LISTEN/NOTIFY wake-ups do not work through a transaction pooler (pooler=transaction): give a direct connection to LISTEN on with ${LISTEN_OPTION_NAMES}, or leave notify unset or false (the server: --store-notify off); brokers then find queued grants by their 500 ms tick.`,
    );
  }
  return undefined;
}

/** The listen URL without the store's `pooler=` option; a transaction pooler is refused. */
function directListenUrl(value: string): string {
  const { connectionString, pooler } = takePoolerOption(value);
  if (pooler === 'transaction') {
    throw new StoreError(
      'INTERNAL_ERROR',
      `${LISTEN_OPTION_NAMES} says pooler=transaction, but LISTEN through a transaction pooler hears nothing: give a direct connection to the PostgreSQL server (its own host and port, not the pooler's).`,
    );
  }
  return connectionString;
}
