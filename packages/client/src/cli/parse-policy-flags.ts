import { ACTOR_ROLES, HEALTH_POLICY } from '@qa-broker/contract';
import type { PolicyPatchInput } from '../broker-routes.js';
import { UsageError } from './cli-io.js';
import { durationFlag } from './parse-duration.js';

const FLOORS = HEALTH_POLICY.policy;
/** Words that clear a policy field (sent as null). */
const CLEAR_WORDS = ['none', 'null'];

const clears = (value: string) => CLEAR_WORDS.includes(value.trim().toLowerCase());

function countOrClear(value: string | undefined, flag: string, min: number) {
  if (value === undefined) return undefined;
  if (clears(value)) return null;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed)) || Number(trimmed) < min) {
    throw new UsageError(
      `${flag} must be a whole number of at least ${min}, or "none" to clear it; not "${value}".`,
    );
  }
  return Number(trimmed);
}

function holdOrClear(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (clears(value)) return null;
  const ms = durationFlag(value, '--max-hold')!;
  if (ms < FLOORS.maxHoldMs) {
    throw new UsageError(
      `--max-hold must be at least ${FLOORS.maxHoldMs / 1000}s (or "none" to clear it), not "${value}".`,
    );
  }
  return ms;
}

/** `ci=2,maintainer=none`, or `none` for both roles. */
function perRoleOrClear(value: string | undefined): PolicyPatchInput['maxLeasesPerRole'] {
  if (value === undefined) return undefined;
  if (clears(value)) return null;
  const flag = '--max-leases-per-role';
  const patch: { ci?: number | null; maintainer?: number | null } = {};
  for (const part of value.split(',')) {
    const [role, count, extra] = part.split('=').map((piece) => piece.trim());
    if (!role || count === undefined || extra !== undefined) {
      throw new UsageError(
        `${flag} takes ROLE=N pairs separated by commas, such as ci=2 or ci=2,maintainer=none; not "${value}".`,
      );
    }
    if (!(ACTOR_ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`${flag}: the role must be ci or maintainer, not "${role}".`);
    }
    if (Object.hasOwn(patch, role)) throw new UsageError(`${flag} names ${role} twice.`);
    patch[role as 'ci' | 'maintainer'] = countOrClear(
      count,
      `${flag} ${role}`,
      FLOORS.maxLeasesPerRole,
    );
  }
  return patch;
}

export interface PolicyFlagValues {
  'max-hold'?: string | undefined;
  'max-leases-per-role'?: string | undefined;
  'max-leases-per-owner'?: string | undefined;
  'quarantine-after-broken'?: string | undefined;
}

/** The patch the flags describe (without kind and actorId); a usage error when it is empty. */
export function policyPatchOf(flags: PolicyFlagValues): Omit<PolicyPatchInput, 'kind' | 'actorId'> {
  const patch = {
    maxHoldMs: holdOrClear(flags['max-hold']),
    maxLeasesPerRole: perRoleOrClear(flags['max-leases-per-role']),
    maxLeasesPerOwner: countOrClear(
      flags['max-leases-per-owner'],
      '--max-leases-per-owner',
      FLOORS.maxLeasesPerOwner,
    ),
    quarantineAfterBroken: countOrClear(
      flags['quarantine-after-broken'],
      '--quarantine-after-broken',
      FLOORS.quarantineAfterBroken,
    ),
  };
  const given = Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as Omit<PolicyPatchInput, 'kind' | 'actorId'>;
  if (Object.keys(given).length === 0) {
    throw new UsageError(
      'Nothing to set: give --max-hold, --max-leases-per-role, --max-leases-per-owner or --quarantine-after-broken.',
    );
  }
  return given;
}
