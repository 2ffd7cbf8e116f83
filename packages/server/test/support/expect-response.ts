import type { ErrorBody } from '@qa-broker/contract';
import { expect } from 'vitest';

interface AnyResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** The body of a 200 answer, typed; anything else fails the test with what came back. */
export function okBody<R extends AnyResponse>(response: R): Extract<R, { status: 200 }>['body'] {
  if (response.status !== 200) {
    throw new Error(`expected 200, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Asserts the error envelope, its HTTP status and (optionally) its exact message. */
export function expectError(
  response: AnyResponse,
  status: number,
  code: string,
  message?: string,
): ErrorBody {
  const body = response.body as ErrorBody;
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(body.status).toBe('error');
  if (message !== undefined) expect(body.message).toBe(message);
  return body;
}
