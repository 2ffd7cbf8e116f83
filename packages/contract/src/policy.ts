/** The numbers of the v1 protocol. Servers may be configured with other lease bounds; these are the defaults. */
export const POLICY = {
  leaseTtlMs: { default: 1_200_000, min: 30_000, max: 7_200_000 },
  heartbeatIntervalMs: { default: 30_000, min: 5_000, max: 300_000 },
  listLimit: { default: 100, min: 1, max: 500 },
  poolExhaustedRetryAfterMs: 2_000,
  leaseEventRetentionMs: 2 * 24 * 60 * 60 * 1000,
  adminEventRetentionMs: 30 * 24 * 60 * 60 * 1000,
  retentionSweepIntervalMs: 60 * 60 * 1000,
  /** Serialized JSON length above which acquire answers with the chunk marker. */
  inlinePayloadMaxChars: 256_000,
  /** Default ceiling for a whole payload (admin/add bodies, hydrated chunks). */
  payloadMaxBytes: 64 * 1024 * 1024,
  leaseBodyMaxBytes: 64 * 1024,
} as const;

export interface LeaseBounds {
  leaseTtlMs: { default: number; min: number; max: number };
  heartbeatIntervalMs: { default: number; min: number; max: number };
}

export const DEFAULT_LEASE_BOUNDS: LeaseBounds = {
  leaseTtlMs: POLICY.leaseTtlMs,
  heartbeatIntervalMs: POLICY.heartbeatIntervalMs,
};

export const DEFAULT_ENDPOINT_PREFIX = '/qa-credentials/v1';

export const MAX_LENGTHS = {
  kind: 128,
  ownerId: 256,
  actorId: 256,
  credentialId: 128,
  leaseToken: 128,
  note: 1_000,
} as const;

export const ACTOR_ROLES = ['ci', 'maintainer'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

export const CREDENTIAL_STATUSES = ['active', 'disabled'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];
