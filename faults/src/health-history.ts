import type { Outcome } from './history.ts';

/**
 * The maintainer's health and policy operations (spec/broker-additions.md §2, §3), kept
 * in `History.health` next to the lease operations. Times are the harness clock, as in
 * history.ts: a change takes effect at some instant between `invokedAt` and
 * `completedAt` when ok, at any instant after `invokedAt` (or never) when unknown, and
 * not at all when failed.
 */
interface HealthOpBase {
  /** Unique together with the lease operations' opIds. */
  opId: number;
  clientId: string;
  broker: number;
  invokedAt: number;
  completedAt: number;
  outcome: Outcome;
  httpStatus?: number;
  code?: string;
}

/** admin/restore: clears a quarantine (and re-enables a disabled credential). */
export interface RestoreOp extends HealthOpBase {
  type: 'restore';
  credentialId: string;
}

/** admin/quarantine: the maintainer quarantines a credential by hand. */
export interface QuarantineOp extends HealthOpBase {
  type: 'quarantine';
  credentialId: string;
}

/** The quota fields of an admin/policy/set patch: absent = unchanged, null = cleared. */
export interface PolicyPatch {
  maxLeasesPerOwner?: number | null;
  maxLeasesPerRole?: { ci?: number | null; maintainer?: number | null };
  quarantineAfterBroken?: number | null;
}

/** admin/policy/set, with the patch exactly as sent. */
export interface PolicyOp extends HealthOpBase {
  type: 'policy';
  kind: string;
  patch: PolicyPatch;
}

export type HealthOp = RestoreOp | QuarantineOp | PolicyOp;
