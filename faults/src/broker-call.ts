import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { Outcome } from './history.ts';

export interface CallResult {
  outcome: Outcome;
  httpStatus?: number;
  /** The broker's error code, or ECONNREFUSED / TIMEOUT / a socket error code. */
  code?: string;
  body?: Record<string, unknown>;
}

const DEFINITELY_NOT_SENT = new Set(['ECONNREFUSED']);

function errorCode(error: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET' && code !== 'UND_ERR_ABORTED')
      return code;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return 'TIMEOUT';
    current = current.cause;
  }
  return error instanceof Error ? error.name : 'ERROR';
}

/**
 * One POST to a broker, classified the way the checker needs it: 2xx ok; 4xx failed
 * (the broker decided, nothing changed); 5xx unknown (the store may have acted);
 * connection refused failed (no byte was sent); anything else — timeout, reset, a torn
 * answer — unknown.
 */
export async function callBroker(
  dispatcher: Dispatcher,
  baseUrl: string,
  route: string,
  token: string,
  payload: Record<string, unknown>,
  timeoutMs: number,
  /** Ends the request early (the run stopping): the broker sees the client leave. */
  signal?: AbortSignal,
): Promise<CallResult> {
  try {
    const answer = await request(`${baseUrl}/qa-credentials/v1/${route}`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal:
        signal === undefined
          ? AbortSignal.timeout(timeoutMs)
          : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await answer.body.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    const code = typeof body.code === 'string' ? body.code : undefined;
    const httpStatus = answer.statusCode;
    if (httpStatus >= 200 && httpStatus < 300) return { outcome: 'ok', httpStatus, body };
    return {
      outcome: httpStatus >= 500 ? 'unknown' : 'failed',
      httpStatus,
      body,
      ...(code ? { code } : {}),
    };
  } catch (error) {
    const code = errorCode(error);
    return { outcome: DEFINITELY_NOT_SENT.has(code) ? 'failed' : 'unknown', code };
  }
}
