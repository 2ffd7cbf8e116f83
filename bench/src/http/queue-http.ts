import type { Pool } from 'undici';
import { BENCH_KIND, ENDPOINT_PREFIX, UnexpectedAnswerError } from './broker-http.ts';
import type { HeldLease } from './broker-http.ts';
import { postJson } from './post-json.ts';

/** What an acquire (with or without `wait`) answered, as far as the hand-off loops care. */
export type QueueAnswer =
  | { type: 'granted'; lease: HeldLease; ticketed: boolean }
  /** Queued under the ticket: re-ask at once with the same ticket. */
  | { type: 'waiting' }
  /** A v1 refusal (also what a store without the queue answers to `wait`). */
  | { type: 'exhausted'; retryAfterMs: number };

const V1_RETRY_AFTER_MS = 2_000;

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[key]
    : undefined;
}

/**
 * acquire with an optional `wait` (spec/broker-additions.md §1), classified into granted,
 * waiting (409 POOL_EXHAUSTED with `waiting: true`) and a plain exhausted pool.
 */
export async function acquireMaybeWaiting(
  pool: Pool,
  ciSecret: string,
  ownerId: string,
  wait?: { ticket: string; maxWaitMs: number },
): Promise<QueueAnswer> {
  const answer = await postJson(
    pool,
    `${ENDPOINT_PREFIX}/acquire`,
    { kind: BENCH_KIND, ownerId, actorRole: 'ci', ...(wait === undefined ? {} : { wait }) },
    { authorization: `Bearer ${ciSecret}` },
  );
  const { body } = answer;
  if (answer.statusCode === 200) {
    const credentialId = field(body, 'credentialId');
    const leaseToken = field(body, 'leaseToken');
    if (typeof credentialId === 'string' && typeof leaseToken === 'string')
      return {
        type: 'granted',
        lease: { credentialId, leaseToken },
        ticketed: typeof field(body, 'ticket') === 'string',
      };
  }
  if (answer.statusCode === 409 && field(body, 'code') === 'POOL_EXHAUSTED') {
    if (field(body, 'waiting') === true) return { type: 'waiting' };
    const retryAfterMs = field(body, 'retryAfterMs');
    return {
      type: 'exhausted',
      retryAfterMs: typeof retryAfterMs === 'number' ? retryAfterMs : V1_RETRY_AFTER_MS,
    };
  }
  throw new UnexpectedAnswerError('acquire', answer);
}
