import type { ReleaseInput, ReleaseResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus } from '../reply.js';
import { runScript } from '../scripts.js';
import { ABSENT_IN_KIND, type AbsentInKind } from './absent.js';

export async function releaseScript(
  client: RedisClient,
  keys: KindKeys,
  input: ReleaseInput,
): Promise<ReleaseResult | AbsentInKind> {
  const reply = await runScript(
    client,
    'release',
    [
      keys.credentials,
      keys.free,
      keys.leases,
      keys.updatedActive,
      keys.updatedDisabled,
      keys.leaseEvents,
      keys.sequence,
    ],
    [
      nowArgument(input.nowMs),
      input.credentialId,
      input.ownerId,
      input.leaseToken,
      input.actorRole,
    ],
  );
  const { status, rest } = replyStatus(reply, 'release');
  if (status === 'ok') return { ok: true, released: replyInteger(rest[0], 'release') === 1 };
  if (status === 'ABSENT') return ABSENT_IN_KIND;
  if (status === 'LEASE_NOT_OWNER') return { ok: false, code: 'LEASE_NOT_OWNER' };
  throw malformedReply('release');
}
