import type { Pool } from 'undici';
import { postJson } from './post-json.ts';
import type { JsonAnswer } from './post-json.ts';

export const BENCH_KIND = 'bench';
export const ENDPOINT_PREFIX = '/qa-credentials/v1';

export interface HeldLease {
  credentialId: string;
  leaseToken: string;
}

export type AcquireAnswer = ({ ok: true } & HeldLease) | { ok: false; code: 'POOL_EXHAUSTED' };

/** An answer the bench did not expect; carries only the status and error code. */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
  readonly code: string;
  readonly statusCode: number;

  constructor(route: string, answer: JsonAnswer) {
    const code = errorCodeOf(answer.body) ?? 'NO_ERROR_CODE';
    super(`${route} answered HTTP ${answer.statusCode} ${code}`);
    this.code = code;
    this.statusCode = answer.statusCode;
  }
}

function errorCodeOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string')
    return body.code;
  return undefined;
}

function stringField(body: unknown, key: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The lease routes of the broker, spoken over one undici pool as the CI role. */
export class BrokerHttp {
  readonly #pool: Pool;
  readonly #headers: Record<string, string>;

  constructor(pool: Pool, ciSecret: string) {
    this.#pool = pool;
    this.#headers = { authorization: `Bearer ${ciSecret}` };
  }

  async acquire(ownerId: string, leaseTtlMs?: number): Promise<AcquireAnswer> {
    const answer = await postJson(
      this.#pool,
      `${ENDPOINT_PREFIX}/acquire`,
      {
        kind: BENCH_KIND,
        ownerId,
        actorRole: 'ci',
        ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
      },
      this.#headers,
    );
    if (answer.statusCode === 200) {
      const credentialId = stringField(answer.body, 'credentialId');
      const leaseToken = stringField(answer.body, 'leaseToken');
      if (credentialId !== undefined && leaseToken !== undefined)
        return { ok: true, credentialId, leaseToken };
    }
    if (answer.statusCode === 409 && errorCodeOf(answer.body) === 'POOL_EXHAUSTED')
      return { ok: false, code: 'POOL_EXHAUSTED' };
    throw new UnexpectedAnswerError('acquire', answer);
  }

  async release(ownerId: string, lease: HeldLease): Promise<void> {
    const answer = await postJson(
      this.#pool,
      `${ENDPOINT_PREFIX}/release`,
      { kind: BENCH_KIND, ownerId, actorRole: 'ci', ...lease },
      this.#headers,
    );
    if (answer.statusCode !== 200) throw new UnexpectedAnswerError('release', answer);
  }

  async heartbeat(ownerId: string, lease: HeldLease, leaseTtlMs: number): Promise<void> {
    const answer = await postJson(
      this.#pool,
      `${ENDPOINT_PREFIX}/heartbeat`,
      { kind: BENCH_KIND, ownerId, actorRole: 'ci', leaseTtlMs, ...lease },
      this.#headers,
    );
    if (answer.statusCode !== 200) throw new UnexpectedAnswerError('heartbeat', answer);
  }
}
