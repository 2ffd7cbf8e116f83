/**
 * Every error code the broker sends, with its HTTP status. This table is the only place
 * that maps codes to statuses; the server and the client both read it.
 */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, message: 'Request body must be valid JSON.' },
  INVALID_BODY: { status: 400, message: 'Request body must be a JSON object.' },
  INVALID_ACTOR_ROLE: { status: 400, message: 'Expected "actorRole" to be "maintainer" or "ci".' },
  INVALID_PAYLOAD: { status: 400, message: 'Credential payload is invalid for its kind.' },
  INVALID_LEASE_TTL: { status: 400, message: 'leaseTtlMs must be between 30000 and 7200000.' },
  INVALID_HEARTBEAT_INTERVAL: {
    status: 400,
    message: 'heartbeatIntervalMs must be between 5000 and 300000.',
  },
  INVALID_LIST_LIMIT: { status: 400, message: 'limit must be between 1 and 500.' },
  INVALID_CHUNK_INDEX: { status: 400, message: 'Credential payload chunk index is out of range.' },
  AUTH_REQUIRED: { status: 401, message: 'Missing Authorization: Bearer <secret> header.' },
  AUTH_INVALID: { status: 401, message: 'Credential broker secret is invalid.' },
  AUTH_ROLE_MISMATCH: { status: 403, message: 'Admin endpoints require maintainer credentials.' },
  CREDENTIAL_NOT_FOUND: { status: 404, message: 'Credential record does not exist.' },
  LEASE_NOT_FOUND: { status: 404, message: 'Credential is not currently leased.' },
  NOT_FOUND: {
    status: 404,
    message: 'No such route: every broker route is a POST under its prefix.',
  },
  KIND_MISMATCH: { status: 409, message: 'Credential kind did not match this lease request.' },
  CREDENTIAL_DISABLED: { status: 409, message: 'Credential is disabled.' },
  LEASE_NOT_OWNER: { status: 409, message: 'Credential lease owner/token mismatch.' },
  LEASE_EXPIRED: { status: 409, message: 'Credential lease has already expired.' },
  LEASE_ACTIVE: {
    status: 409,
    message: 'Credential is currently leased and cannot be disabled.',
  },
  PAYLOAD_NOT_CHUNKED: { status: 409, message: 'Credential payload is not chunked.' },
  POOL_EXHAUSTED: { status: 409, message: 'No available credential for this kind.' },
  TICKET_CONFLICT: {
    status: 409,
    message: 'This wait ticket belongs to another owner or role: pick a new random ticket.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'Request body is too large: send a smaller body or raise the server limit.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many failed authentication attempts: wait before retrying.',
  },
  SERVER_MISCONFIGURED: { status: 500, message: 'No broker role secrets are configured.' },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Internal broker error: retry, and report it if it persists.',
  },
  PAYLOAD_UNREADABLE: {
    status: 500,
    message:
      'Stored credential payload cannot be read (wrong encryption key or tampered data): re-add the credential.',
  },
  QUEUE_FULL: {
    status: 503,
    message: 'The wait queue of this kind is full: retry shortly.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    message: 'The credential store is unavailable: retry shortly.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The legacy exhausted-pool code that existing clients also retry on. */
export const LEGACY_POOL_EXHAUSTED_CODE = 'NO_CREDENTIAL_AVAILABLE';
