import { randomBytes } from 'node:crypto';
import { POLICY } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import type { Pool } from 'undici';
import type { BrokerHttp } from '../http/broker-http.ts';
import { BENCH_KIND } from '../http/broker-http.ts';
import { postJson } from '../http/post-json.ts';
import type { StepOutcome } from '../load/closed-loop.ts';

/*
 * One step = one acquire → release cycle, the unit every capacity figure counts. Each
 * worker is its own owner, as separate CI lanes would be.
 */

const ownerOf = (prefix: string, worker: number): string => `bench-${prefix}-${worker}`;

/** What the server does per acquire besides the store call: a fresh 256-bit token. */
const newLeaseToken = (): string => randomBytes(32).toString('base64url');

export function brokerCycle(broker: BrokerHttp): (worker: number) => Promise<StepOutcome> {
  return async (worker) => {
    const ownerId = ownerOf('http', worker);
    const answer = await broker.acquire(ownerId);
    if (!answer.ok) return 'exhausted';
    await broker.release(ownerId, answer);
    return 'granted';
  };
}

export function rawStoreCycle(store: CredentialStore): (worker: number) => Promise<StepOutcome> {
  return async (worker) => {
    const ownerId = ownerOf('raw', worker);
    const leaseToken = newLeaseToken();
    const acquired = await store.acquire({
      kind: BENCH_KIND,
      ownerId,
      actorRole: 'ci',
      leaseToken,
      leaseTtlMs: POLICY.leaseTtlMs.default,
    });
    if (!acquired.ok) return 'exhausted';
    const released = await store.release({
      kind: BENCH_KIND,
      ownerId,
      actorRole: 'ci',
      credentialId: acquired.lease.credentialId,
      leaseToken,
    });
    if (!released.ok) throw new Error(`raw release failed: ${released.code}`);
    return 'granted';
  };
}

/**
 * The HTTP floor's cycle: two trivial POSTs with bodies shaped like acquire and release,
 * so "broker ÷ floor" compares like with like (two requests per cycle on both sides).
 */
export function floorCycle(pool: Pool): (worker: number) => Promise<StepOutcome> {
  const headers = { authorization: 'Bearer fake-floor-secret' };
  return async (worker) => {
    const ownerId = ownerOf('floor', worker);
    const first = await postJson(
      pool,
      '/floor',
      { kind: BENCH_KIND, ownerId, actorRole: 'ci' },
      headers,
    );
    const second = await postJson(
      pool,
      '/floor',
      {
        kind: BENCH_KIND,
        ownerId,
        actorRole: 'ci',
        credentialId: 'fake-id',
        leaseToken: 'fake-token',
      },
      headers,
    );
    if (first.statusCode !== 200 || second.statusCode !== 200)
      throw new Error(`floor answered HTTP ${first.statusCode}/${second.statusCode}`);
    return 'granted';
  };
}
