import { ERROR_CODES, isErrorCode, LEGACY_POOL_EXHAUSTED_CODE } from '@qa-broker/contract';
import type { ErrorCode } from '@qa-broker/contract';

/** Failures the client detects itself, before or without a broker error envelope. */
export const CLIENT_ERROR_CODES = [
  /** The configuration (URL, prefix, token, role, numbers) is unusable; the message names the variable. */
  'INVALID_CONFIG',
  /** The request never got an HTTP answer (connection refused, reset, DNS…). */
  'NETWORK_ERROR',
  /** No complete answer within the per-request timeout. */
  'HTTP_TIMEOUT',
  /** The answer's body was larger than the cap for that route. */
  'RESPONSE_TOO_LARGE',
  /** The answer was not JSON, or not the shape the contract promises. */
  'INVALID_RESPONSE',
  /** The caller's AbortSignal fired. */
  'ABORTED',
  /** A payload (hydrated or to be sent) is larger than the payload ceiling. */
  'PAYLOAD_TOO_LARGE_FOR_CLIENT',
  /** Payload chunks did not add up to what the chunk marker announced. */
  'PAYLOAD_CORRUPT',
  /** The payload does not match its kind's schema, or the caller's `validate` refused it. */
  'PAYLOAD_REJECTED',
  /** The lease stopped being ours: a terminal heartbeat error or its TTL ran out. */
  'LEASE_LOST',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Codes of broker answers, the legacy exhausted-pool code, and the client's own. */
export type BrokerErrorCode = ErrorCode | typeof LEGACY_POOL_EXHAUSTED_CODE | ClientErrorCode;

/**
 * Where a refused acquire stands in the kind's wait queue. `waiting` is true when the
 * broker holds the request's ticket in its queue (re-ask at once with the same ticket);
 * a polling (ticketless) caller may get a position too.
 */
export interface QueueStanding {
  waiting: boolean;
  /** 1 = next in line. */
  position?: number;
  queueLength?: number;
}

export interface BrokerErrorOptions {
  httpStatus?: number | undefined;
  retryAfterMs?: number | undefined;
  transient?: boolean | undefined;
  queue?: QueueStanding | undefined;
  cause?: unknown;
}

/**
 * Every failure of the client. `transient` says whether trying again later can help:
 * 5xx answers (with or without the error envelope) and network errors are transient,
 * 4xx answers are terminal.
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly code: BrokerErrorCode;
  /** The HTTP status of the broker's answer; undefined when there was no answer. */
  readonly httpStatus: number | undefined;
  /** How long the broker asked us to wait before trying again. */
  readonly retryAfterMs?: number;
  readonly transient: boolean;
  /** POOL_EXHAUSTED only: the caller's place in the wait queue, when the broker said it. */
  readonly queue?: QueueStanding;

  constructor(code: BrokerErrorCode, message: string, options: BrokerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.httpStatus = options.httpStatus;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.queue !== undefined) this.queue = options.queue;
    this.transient = options.transient ?? isTransientStatus(options.httpStatus);
  }
}

export function isBrokerError(error: unknown): error is BrokerError {
  return error instanceof BrokerError;
}

function isTransientStatus(httpStatus: number | undefined): boolean {
  return httpStatus !== undefined && httpStatus >= 500;
}

/** Whether `code` means "nothing free right now, try again". */
export function isPoolExhaustedCode(code: string): boolean {
  return code === 'POOL_EXHAUSTED' || code === LEGACY_POOL_EXHAUSTED_CODE;
}

/**
 * The HTTP status a code stands for. The first broker sent 200 with an error envelope, so
 * for an envelope that came with a non-error status the code table decides transience.
 */
export function effectiveStatusOf(code: string, httpStatus: number): number {
  if (httpStatus >= 400) return httpStatus;
  if (isErrorCode(code)) return ERROR_CODES[code].status;
  return isPoolExhaustedCode(code) ? 409 : 500;
}
