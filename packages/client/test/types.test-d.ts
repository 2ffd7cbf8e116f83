/**
 * Type tests, checked by `tsc` (`pnpm typecheck`, which includes test/): they pin what a
 * caller sees. A wrong type here fails the typecheck, not a test run.
 */
import type { DiscordPayload, TelegramPayload } from '@qa-broker/contract';
import { expectTypeOf } from 'vitest';
import {
  createBrokerClient,
  type BrokerError,
  type BrokerErrorCode,
  type CredentialChangeResult,
  type KindPolicy,
  type Lease,
  type PayloadOf,
  type QueueStanding,
} from '../src/index.js';

declare const client: ReturnType<typeof createBrokerClient>;
declare const someKind: string;

export async function leasePayloadTypes(): Promise<void> {
  const telegram = await client.acquireLease('telegram');
  expectTypeOf(telegram).toEqualTypeOf<Lease<'telegram'>>();
  expectTypeOf(telegram.payload).toEqualTypeOf<TelegramPayload>();
  expectTypeOf(telegram.payload.groupId).toEqualTypeOf<string>();
  // @ts-expect-error a telegram payload has no guildId
  void telegram.payload.guildId;

  const discord = await client.acquireLease('discord');
  expectTypeOf(discord.payload).toEqualTypeOf<DiscordPayload>();
  expectTypeOf(discord.payload.voiceChannelId).toEqualTypeOf<string | undefined>();

  const custom = await client.acquireLease('my-custom-kind');
  expectTypeOf(custom.payload).toEqualTypeOf<Record<string, unknown>>();

  const dynamic = await client.acquireLease(someKind);
  expectTypeOf(dynamic.payload).toEqualTypeOf<Record<string, unknown>>();

  expectTypeOf<PayloadOf<'slack'>>().toHaveProperty('sutAppToken');
  expectTypeOf(telegram.fencingToken).toEqualTypeOf<number>();
  expectTypeOf(telegram.signal).toEqualTypeOf<AbortSignal>();
  expectTypeOf(telegram.release).returns.toEqualTypeOf<Promise<void>>();
  expectTypeOf(telegram).toMatchTypeOf<AsyncDisposable>();
}

export async function withLeaseTypes(): Promise<void> {
  const groupId = await client.withLease('telegram', (lease) => lease.payload.groupId);
  expectTypeOf(groupId).toEqualTypeOf<string>();
  const asyncValue = await client.withLease('whatsapp', (lease) =>
    Promise.resolve(lease.payload.driverPhoneE164.length),
  );
  expectTypeOf(asyncValue).toEqualTypeOf<number>();
  await client.withLease('discord', () => 1, {
    validate: (payload) => {
      expectTypeOf(payload).toEqualTypeOf<DiscordPayload>();
      return payload.guildId.length > 0;
    },
  });
  // @ts-expect-error withLease needs a kind
  await client.withLease(() => 1);
}

export function brokerErrorShape(error: BrokerError): void {
  expectTypeOf(error).toMatchTypeOf<Error>();
  expectTypeOf(error.code).toEqualTypeOf<BrokerErrorCode>();
  expectTypeOf(error.httpStatus).toEqualTypeOf<number | undefined>();
  expectTypeOf(error.retryAfterMs).toEqualTypeOf<number | undefined>();
  expectTypeOf(error.transient).toEqualTypeOf<boolean>();
  expectTypeOf<'POOL_EXHAUSTED'>().toMatchTypeOf<BrokerErrorCode>();
  expectTypeOf<'NO_CREDENTIAL_AVAILABLE'>().toMatchTypeOf<BrokerErrorCode>();
  expectTypeOf<'LEASE_LOST'>().toMatchTypeOf<BrokerErrorCode>();
  // @ts-expect-error codes are a closed set
  const unknownCode: BrokerErrorCode = 'SOMETHING_ELSE';
  void unknownCode;
  // @ts-expect-error the code is read-only
  error.code = 'NETWORK_ERROR';
}

export function clientOptionTypes(): void {
  // @ts-expect-error role is ci or maintainer
  createBrokerClient({ baseUrl: 'https://x.example', token: 'fake', role: 'admin' });
  // @ts-expect-error token is required
  createBrokerClient({ baseUrl: 'https://x.example', role: 'ci' });
}

export async function adminTypes(): Promise<void> {
  const listed = await client.listCredentials({ status: 'all' });
  expectTypeOf(listed[0]!.credentialId).toEqualTypeOf<string>();
  // @ts-expect-error status of list is active, disabled or all
  await client.listCredentials({ status: 'leased' });
  // @ts-expect-error status of add is active or disabled
  await client.addCredential({ kind: 'k', payload: {}, status: 'all' });
  const removed = await client.removeCredential('id');
  expectTypeOf(removed.changed).toEqualTypeOf<boolean>();
}

export async function queueTypes(): Promise<void> {
  const queues = await client.listQueue({ kind: 'telegram', limit: 10 });
  expectTypeOf(queues[0]!.waiters[0]!.mode).toEqualTypeOf<'parked' | 'polling' | 'reserved'>();
  expectTypeOf(queues[0]!.waiters[0]!.ticketFingerprint).toEqualTypeOf<string>();
  // @ts-expect-error the queue has no ticket to show
  void queues[0]!.waiters[0]!.ticket;
  await client.acquireLease('telegram', {
    queue: true,
    priority: 10,
    onWait: (event) => {
      expectTypeOf(event.queued).toEqualTypeOf<boolean>();
      expectTypeOf(event.position).toEqualTypeOf<number | undefined>();
      expectTypeOf(event.queueLength).toEqualTypeOf<number | undefined>();
    },
  });
  // @ts-expect-error queue is on or off
  await client.acquireLease('telegram', { queue: 'fifo' });
}

export function queueStandingOnErrors(error: BrokerError): void {
  expectTypeOf(error.queue).toEqualTypeOf<QueueStanding | undefined>();
  expectTypeOf<QueueStanding['waiting']>().toEqualTypeOf<boolean>();
}

export async function healthTypes(): Promise<void> {
  const lease = await client.acquireLease('telegram');
  expectTypeOf(lease.maxExpiresAtMs).toEqualTypeOf<number | undefined>();
  await lease.release();
  await lease.release({ outcome: 'ok' });
  await lease.release({ outcome: 'broken' });
  await lease.release({ outcome: 'broken', reason: 'bot token revoked' });
  // @ts-expect-error a reason goes with a broken release only
  await lease.release({ outcome: 'ok', reason: 'fine' });
  // @ts-expect-error outcome is ok or broken
  await lease.release({ outcome: 'flaky' });
  expectTypeOf(lease.markBroken).parameters.toEqualTypeOf<[reason?: string]>();
  expectTypeOf(lease.markBroken).returns.toEqualTypeOf<void>();
  await client.withLease('telegram', (held) => held.markBroken('login refused'));

  const restored = await client.restoreCredential('id', { actorId: 'alice' });
  expectTypeOf(restored).toEqualTypeOf<CredentialChangeResult>();
  expectTypeOf(restored.credential.brokenReports).toEqualTypeOf<number | undefined>();
  expectTypeOf(restored.credential.quarantine).toEqualTypeOf<
    | {
        reason?: string | undefined;
        reportedBy: string;
        actorRole: 'ci' | 'maintainer';
        atMs: number;
      }
    | undefined
  >();
  await client.quarantineCredential('id', { reason: 'banned' });
  await client.updateCredential({ credentialId: 'id', note: '' });
  await client.updateCredential({ credentialId: 'id', payload: { apiKey: 'x' } });
  // @ts-expect-error update needs the credential id
  await client.updateCredential({ note: 'x' });
}

export async function policyTypes(): Promise<void> {
  const policy = await client.setPolicy({
    kind: 'telegram',
    maxHoldMs: 3_600_000,
    maxLeasesPerRole: { ci: 2, maintainer: null },
    maxLeasesPerOwner: null,
  });
  expectTypeOf(policy).toEqualTypeOf<KindPolicy>();
  expectTypeOf(policy.maxHoldMs).toEqualTypeOf<number | undefined>();
  await client.setPolicy({ kind: 'telegram', maxLeasesPerRole: null });
  // @ts-expect-error roles are ci and maintainer
  await client.setPolicy({ kind: 'telegram', maxLeasesPerRole: { admin: 1 } });
  // @ts-expect-error the kind is required
  await client.setPolicy({ maxHoldMs: 60_000 });
  // @ts-expect-error values are numbers (in ms), not durations
  await client.setPolicy({ kind: 'telegram', maxHoldMs: '1h' });
  expectTypeOf(await client.getPolicy('telegram')).toEqualTypeOf<KindPolicy | undefined>();
  expectTypeOf(await client.getPolicies()).toEqualTypeOf<KindPolicy[]>();
}
