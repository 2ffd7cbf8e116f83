import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import { WAIT_POLICY } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { POSTGRES_URL } from './postgres-server.js';

/** What the wake-up tests share: a queued ticket to hand on, a log of wake-ups, listeners. */

const TTL = 60_000;

function ticketId(): string {
  return createHash('sha256').update(randomBytes(16)).digest('hex');
}

/** Collects the ticketIds a broker is woken with, and waits for one. */
export function wakeLog() {
  const woken: string[] = [];
  return {
    woken,
    onWake: (ticketIds: string[]) => woken.push(...ticketIds),
    async waitFor(ticket: string, timeoutMs = 3_000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (!woken.includes(ticket) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      return woken.includes(ticket);
    },
  };
}

/**
 * One credential held by a v1 lease and one ticket queued behind it on `granter`, for a
 * waiter parked on `brokerId`. Returns the release that hands the credential to the ticket.
 */
export async function queuedBehindHolder(granter: CredentialStore, brokerId: string) {
  const kind = `wake-${randomBytes(4).toString('hex')}`;
  const added = await granter.addCredential({
    credentialId: `cred-${kind}`,
    kind,
    payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
    status: 'active',
    actorId: 'admin',
  });
  const holder = await granter.acquire({
    kind,
    ownerId: 'holder',
    actorRole: 'ci',
    leaseToken: 'fake-holder-token',
    leaseTtlMs: TTL,
  });
  expect(holder.ok).toBe(true);
  const ticket = ticketId();
  const waiting = await granter.acquire({
    kind,
    ownerId: 'waiter',
    actorRole: 'ci',
    leaseToken: 'fake-waiter-token',
    leaseTtlMs: TTL,
    wait: {
      ticketId: ticket,
      priority: 0,
      brokerId,
      sealedToken: 'sealed(fake)',
      queueMax: WAIT_POLICY.queueMax,
    },
  });
  expect(waiting).toMatchObject({ ok: false, code: 'WAITING' });
  return {
    ticket,
    release: async () =>
      expect(
        await granter.release({
          kind,
          ownerId: 'holder',
          actorRole: 'ci',
          credentialId: added.credentialId,
          leaseToken: 'fake-holder-token',
        }),
      ).toEqual({ ok: true, released: true }),
  };
}

/** The wake-up listener connections of one schema's stores (never other tests'). */
export async function listenerBackends(schema: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where application_name = $1',
      [`qa-broker-wakeups ${schema}`],
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}
