import type { KindPolicyRecord, PolicyPatch, SetPolicyInput } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { malformedReply } from '../errors.js';
import type { KindKeys } from '../keys.js';
import { runScript } from '../scripts.js';
import { parsePolicy } from './policy-record.js';
import { queueStepArgs, queueStepKeys } from './queue-step.js';

/** A patch value as set-policy.lua takes it: "" unchanged, "null" cleared, else the integer. */
function patchArgument(value: number | null | undefined): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (!Number.isSafeInteger(value)) throw new RangeError('Policy values must be integers.');
  return String(value);
}

/** ARGV[7..11] of set-policy.lua; `maxLeasesPerRole: null` clears both roles. */
function patchArguments(patch: PolicyPatch): string[] {
  const roles = patch.maxLeasesPerRole;
  return [
    patchArgument(patch.maxHoldMs),
    patchArgument(roles === null ? null : roles?.ci),
    patchArgument(roles === null ? null : roles?.maintainer),
    patchArgument(patch.maxLeasesPerOwner),
    patchArgument(patch.quarantineAfterBroken),
  ];
}

/** Patches the kind's policy and runs its queue step (a raised quota may let waiters through). */
export async function setPolicyScript(
  client: RedisClient,
  keys: KindKeys,
  input: SetPolicyInput,
): Promise<KindPolicyRecord> {
  const reply = await runScript(
    client,
    'set-policy',
    [...queueStepKeys(keys), keys.adminEvents],
    [
      ...queueStepArgs(client, keys, input.nowMs),
      input.kind,
      input.actorId,
      ...patchArguments(input.patch),
    ],
  );
  const policy = parsePolicy(input.kind, reply, 'set-policy');
  if (!policy) throw malformedReply('set-policy');
  return policy;
}
