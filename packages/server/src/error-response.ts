import { ERROR_CODES, POLICY, WAIT_POLICY } from '@qa-broker/contract';
import type { ErrorBody, ErrorCode } from '@qa-broker/contract';
import { isStoreError } from '@qa-broker/store';
import type { Response } from 'express';
import { BrokerError } from './broker-error.js';

/** How long a caller should wait before retrying a store outage. */
export const STORE_UNAVAILABLE_RETRY_AFTER_MS = 1_000;

/** Codes that always tell the caller when to come back. */
const DEFAULT_RETRY_AFTER_MS: Partial<Record<ErrorCode, number>> = {
  POOL_EXHAUSTED: POLICY.poolExhaustedRetryAfterMs,
  QUEUE_FULL: WAIT_POLICY.queueFullRetryAfterMs,
  STORE_UNAVAILABLE: STORE_UNAVAILABLE_RETRY_AFTER_MS,
};

export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode]['status'];

export interface ErrorResult {
  status: ErrorStatus;
  body: ErrorBody;
}

/** The one place a code becomes an HTTP status and an envelope. */
export function errorResult(error: BrokerError): ErrorResult {
  const retryAfterMs = error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS[error.code];
  const body: ErrorBody = { status: 'error', code: error.code, message: error.message };
  if (retryAfterMs !== undefined) body.retryAfterMs = retryAfterMs;
  if (error.details) Object.assign(body, error.details);
  return { status: ERROR_CODES[error.code].status, body };
}

/**
 * Any thrown value as a broker error: store outages become 503, everything unknown a
 * generic 500 (the caller never sees the cause; the error handler logs it).
 */
export function toBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  if (isStoreError(error) && error.code === 'STORE_UNAVAILABLE') {
    return new BrokerError('STORE_UNAVAILABLE', ERROR_CODES.STORE_UNAVAILABLE.message, {
      cause: error,
    });
  }
  return new BrokerError('INTERNAL_ERROR', ERROR_CODES.INTERNAL_ERROR.message, { cause: error });
}

/**
 * Prepares `res` for an error answer (Retry-After header, the code for the request log)
 * and returns the typed result a ts-rest handler returns.
 */
export function failWith(res: Response, error: BrokerError): ErrorResult {
  const result = errorResult(error);
  if (result.body.retryAfterMs !== undefined) {
    res.setHeader('retry-after', String(Math.ceil(result.body.retryAfterMs / 1000)));
  }
  res.locals.errorCode = error.code;
  return result;
}

/** Shorthand for handlers: a domain code with its own message. */
export function fail(res: Response, code: ErrorCode, message?: string): ErrorResult {
  return failWith(res, new BrokerError(code, message));
}

/** Writes the envelope directly, for middleware that runs outside ts-rest. */
export function sendError(res: Response, error: unknown): void {
  const result = failWith(res, toBrokerError(error));
  res.status(result.status).json(result.body);
}
