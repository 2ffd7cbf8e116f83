import type { HeartbeatInput, HeartbeatResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus } from '../reply.js';
import { runScript } from '../scripts.js';
import { ABSENT_IN_KIND, type AbsentInKind } from './absent.js';

const FAILURES = [
  'CREDENTIAL_DISABLED',
  'LEASE_NOT_FOUND',
  'LEASE_NOT_OWNER',
  'LEASE_EXPIRED',
] as const;

export async function heartbeatScript(
  client: RedisClient,
  keys: KindKeys,
  input: HeartbeatInput,
): Promise<HeartbeatResult | AbsentInKind> {
  const reply = await runScript(
    client,
    'heartbeat',
    [keys.credentials, keys.free, keys.leases, keys.updatedActive, keys.policy, keys.leaseCounts],
    [
      nowArgument(input.nowMs),
      input.credentialId,
      input.ownerId,
      input.leaseToken,
      input.leaseTtlMs,
    ],
  );
  const { status, rest } = replyStatus(reply, 'heartbeat');
  if (status === 'ok') {
    const expiresAtMs = replyInteger(rest[0], 'heartbeat');
    return rest[1] === ''
      ? { ok: true, expiresAtMs }
      : { ok: true, expiresAtMs, maxExpiresAtMs: replyInteger(rest[1], 'heartbeat') };
  }
  if (status === 'ABSENT') return ABSENT_IN_KIND;
  const code = FAILURES.find((failure) => failure === status);
  if (!code) throw malformedReply('heartbeat');
  return { ok: false, code };
}
