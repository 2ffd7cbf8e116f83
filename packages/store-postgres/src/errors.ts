import { StoreError } from '@qa-broker/store';

/** Node socket errors that mean the server could not be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * SQLSTATEs after which the operation did not happen (or its outcome is unknown) and a
 * retry is the right answer: connection exceptions (08), statement timeout/cancel (57014),
 * shutdowns (57P01-57P03), too many connections (53300), serialization failure and
 * deadlock (40001, 40P01; the transaction was rolled back).
 */
function isTransientSqlState(state: string): boolean {
  return (
    state.startsWith('08') ||
    ['57014', '57P01', '57P02', '57P03', '53300', '40001', '40P01'].includes(state)
  );
}

function fieldOf(error: unknown, key: string): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** PgBouncer: "unsupported startup parameter: statement_timeout" (a FATAL at login). */
function refusedStartupParameter(error: unknown): string | undefined {
  const message = fieldOf(error, 'message') ?? '';
  const match = /unsupported startup parameter(?: in options)?:\s*([A-Za-z_.]{1,63})/i.exec(
    message,
  );
  return match?.[1];
}

function isUnavailable(error: unknown): boolean {
  const code = fieldOf(error, 'code');
  if (
    code &&
    (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)))
  )
    return true;
  const message = fieldOf(error, 'message') ?? '';
  // pg reports its own timeouts and dropped connections only in the message text.
  return /timeout|Connection terminated|connection is closed|Client has encountered a connection error|PGlite is closed|Cannot use a pool after calling end/i.test(
    message,
  );
}

/**
 * Maps anything a query throws to a `StoreError`. Messages name only the failure class,
 * never a parameter (parameters can hold payload pieces and lease tokens); the original
 * error stays in `cause` for the server's log.
 */
export function toStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  const refused = refusedStartupParameter(error);
  if (refused) {
    // A permanent misconfiguration, not an outage: retrying cannot help, so never 503.
    return new StoreError(
      'INTERNAL_ERROR',
      `PostgreSQL or a pooler in front of it refused the connection parameter "${refused}". ` +
        'Behind PgBouncer in transaction mode, add pooler=transaction to the store URL ' +
        "(postgres://…?pooler=transaction) and set statement_timeout on the broker's role.",
      { cause: error },
    );
  }
  if (isUnavailable(error)) {
    return new StoreError(
      'STORE_UNAVAILABLE',
      `PostgreSQL store unavailable during ${operation}: retry shortly.`,
      { cause: error },
    );
  }
  const state = fieldOf(error, 'code');
  return new StoreError(
    'INTERNAL_ERROR',
    `PostgreSQL store failed during ${operation}${state ? ` (SQLSTATE ${state})` : ''}.`,
    { cause: error },
  );
}
