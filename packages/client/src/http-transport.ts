import type { ApiFetcher } from '@ts-rest/core';
import { BrokerError } from './broker-error.js';
import { BodyTooLargeError, readCappedBody } from './read-capped-body.js';

export interface TransportOptions {
  token: string;
  httpTimeoutMs: number;
  /** Largest response body accepted, in bytes. */
  maxResponseBytes: number;
  fetch: typeof globalThis.fetch;
}

/** What the transport hands back: the HTTP status, the parsed JSON body and the headers. */
export interface TransportResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

function describeRoute(method: string, url: string): string {
  // The path names the route; the URL carries no secret (credentials in it are refused).
  return `${method} ${new URL(url).pathname}`;
}

/**
 * The ts-rest fetcher: adds the bearer token, applies the per-request timeout to the whole
 * exchange (headers and body), reads the body under a byte cap and parses it as JSON
 * whatever its content-type. Failures without a usable answer become BrokerErrors;
 * answers of any status are returned for the typed layer to interpret.
 */
export function createTransport(options: TransportOptions): ApiFetcher {
  return async (args) => {
    const route = describeRoute(args.method, args.path);
    const timeout = AbortSignal.timeout(options.httpTimeoutMs);
    const callerSignal = args.fetchOptions?.signal ?? undefined;
    const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
    const failed = (error: unknown): BrokerError => {
      if (error instanceof BrokerError) return error;
      if (callerSignal?.aborted) {
        return new BrokerError('ABORTED', `${route} was cancelled.`, {
          transient: false,
          cause: callerSignal.reason,
        });
      }
      if (timeout.aborted) {
        return new BrokerError(
          'HTTP_TIMEOUT',
          `${route} got no complete answer within ${options.httpTimeoutMs} ms.`,
          { transient: true, cause: error },
        );
      }
      if (isRedirectRefusal(error)) {
        return new BrokerError(
          'INVALID_RESPONSE',
          `${route} answered with a redirect, which the client does not follow (the token must not travel elsewhere): set the broker URL to where it redirects.`,
          { transient: false, cause: error },
        );
      }
      return new BrokerError('NETWORK_ERROR', `${route} failed: ${networkReason(error)}.`, {
        transient: true,
        cause: error,
      });
    };

    let response: Response;
    try {
      response = await options.fetch(args.path, {
        method: args.method,
        headers: {
          ...args.headers,
          accept: 'application/json',
          authorization: `Bearer ${options.token}`,
        },
        body: typeof args.body === 'string' ? args.body : null,
        signal,
        redirect: 'error',
      });
    } catch (error) {
      throw failed(error);
    }

    let text: string;
    try {
      text = await readCappedBody(response, options.maxResponseBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new BrokerError(
          'RESPONSE_TOO_LARGE',
          `${route} answered HTTP ${response.status} with a body over ${error.maxBytes} bytes.`,
          { httpStatus: response.status, cause: error },
        );
      }
      throw failed(error);
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BrokerError(
        'INVALID_RESPONSE',
        `${route} answered HTTP ${response.status} with a body that is not JSON.`,
        { httpStatus: response.status },
      );
    }
    return { status: response.status, body, headers: response.headers };
  };
}

/** A short reason for a failed fetch, from undici's `cause` code when there is one. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  if (code) return code;
  return error instanceof Error ? error.message : 'unknown network error';
}

/** undici's refusal of a redirect under `redirect: 'error'`. */
function isRedirectRefusal(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && cause.message === 'unexpected redirect';
}
