import type { ReleaseInput, ReleaseResult } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { replyInteger, replyStatus } from '../reply.js';
import { runScript } from '../scripts.js';
import { ABSENT_IN_KIND, type AbsentInKind } from './absent.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

export async function releaseScript(
  client: RedisClient,
  keys: KindKeys,
  input: ReleaseInput,
): Promise<ReleaseResult | AbsentInKind> {
  const reply = await runScript(client, 'release', queueStepKeys(keys), [
    ...queueStepArgs(client, keys, input.nowMs),
    input.credentialId,
    input.ownerId,
    input.leaseToken,
    input.actorRole,
    input.outcome ?? 'ok',
    input.outcome === 'broken' ? (input.reason ?? '') : '',
  ]);
  const { status, rest } = replyStatus(reply, 'release');
  if (status === 'ok') {
    const released = replyInteger(rest[0], 'release') === 1;
    // `quarantined` only when this release quarantined the credential.
    return replyInteger(rest[1], 'release') === 1
      ? { ok: true, released, quarantined: true }
      : { ok: true, released };
  }
  if (status === 'ABSENT') return ABSENT_IN_KIND;
  if (status === 'LEASE_NOT_OWNER') return { ok: false, code: 'LEASE_NOT_OWNER' };
  throw malformedReply('release');
}
