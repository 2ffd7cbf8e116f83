import type { KindPolicyRecord, RoleLimits } from '@qa-broker/store';
import { toNumber } from './rows.js';

/** A row of kind_policies (migration 0004); null = no such rule. */
export interface PolicyRow {
  kind: string;
  updated_at_ms: unknown;
  max_hold_ms: unknown;
  max_leases_ci: number | null;
  max_leases_maintainer: number | null;
  max_leases_per_owner: number | null;
  quarantine_after_broken: number | null;
}

/** The record as the interface shows it: absent fields for cleared rules. */
export function toPolicy(row: PolicyRow): KindPolicyRecord {
  const policy: KindPolicyRecord = { kind: row.kind, updatedAtMs: toNumber(row.updated_at_ms) };
  if (row.max_hold_ms !== null) policy.maxHoldMs = toNumber(row.max_hold_ms);
  const roles: RoleLimits = {};
  if (row.max_leases_ci !== null) roles.ci = row.max_leases_ci;
  if (row.max_leases_maintainer !== null) roles.maintainer = row.max_leases_maintainer;
  if (Object.keys(roles).length > 0) policy.maxLeasesPerRole = roles;
  if (row.max_leases_per_owner !== null) policy.maxLeasesPerOwner = row.max_leases_per_owner;
  if (row.quarantine_after_broken !== null)
    policy.quarantineAfterBroken = row.quarantine_after_broken;
  return policy;
}
