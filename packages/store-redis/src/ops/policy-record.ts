import type { KindPolicyRecord } from '@qa-broker/store';
import { malformedReply } from '../errors.js';
import { replyArray, replyInteger, replyString } from '../reply.js';

/**
 * The policy hash (flat HGETALL reply) as a record, or undefined when the kind has none.
 * Optional fields are omitted; `maxLeasesPerRole` only when a role has a cap.
 */
export function parsePolicy(
  kind: string,
  reply: unknown,
  operation: string,
): KindPolicyRecord | undefined {
  const flat = replyArray(reply, operation);
  if (flat.length === 0) return undefined;
  const fields = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields.set(replyString(flat[i], operation), replyInteger(flat[i + 1], operation));
  }
  const updatedAtMs = fields.get('updatedAtMs');
  if (updatedAtMs === undefined) throw malformedReply(operation);
  const maxHoldMs = fields.get('maxHoldMs');
  const ci = fields.get('maxLeasesPerRole.ci');
  const maintainer = fields.get('maxLeasesPerRole.maintainer');
  const maxLeasesPerOwner = fields.get('maxLeasesPerOwner');
  const quarantineAfterBroken = fields.get('quarantineAfterBroken');
  return {
    kind,
    updatedAtMs,
    ...(maxHoldMs !== undefined ? { maxHoldMs } : {}),
    ...(ci !== undefined || maintainer !== undefined
      ? {
          maxLeasesPerRole: {
            ...(ci !== undefined ? { ci } : {}),
            ...(maintainer !== undefined ? { maintainer } : {}),
          },
        }
      : {}),
    ...(maxLeasesPerOwner !== undefined ? { maxLeasesPerOwner } : {}),
    ...(quarantineAfterBroken !== undefined ? { quarantineAfterBroken } : {}),
  };
}
