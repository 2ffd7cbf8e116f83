import { malformedReply } from './errors.js';

/** Narrowing helpers for script replies: a reply of the wrong shape is an internal error. */

export function replyArray(reply: unknown, operation: string): unknown[] {
  if (!Array.isArray(reply)) throw malformedReply(operation);
  return reply as unknown[];
}

export function replyString(value: unknown, operation: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw malformedReply(operation);
}

export function replyInteger(value: unknown, operation: string): number {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw malformedReply(operation);
  return number;
}

/** The status word every script reply opens with: "ok" or a code. */
export function replyStatus(
  reply: unknown,
  operation: string,
): { status: string; rest: unknown[] } {
  const [status, ...rest] = replyArray(reply, operation);
  return { status: replyString(status, operation), rest };
}

/**
 * A list of strings from a plain command (not a framed script). Plain replies carry no
 * call tag, so at least their shape is checked before a value is used as a key part.
 */
export function replyStrings(reply: unknown, operation: string): string[] {
  return replyArray(reply, operation).map((value) => replyString(value, operation));
}
