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
  /** Levels of objects and arrays a payload may nest (the payload object itself is level 1). */
  payloadMaxDepth: 64,
} as const;

/** The wait queue's numbers (spec/broker-additions.md, section 1). */
export const WAIT_POLICY = {
  /** How long one acquire request with `wait` may stay open. */
  maxWaitMs: { default: 10_000, min: 0, max: 30_000 },
  priority: { default: 0, min: -100, max: 100 },
  ticketLength: { min: 16, max: 128 },
  /** A ticket stays queued this long after its request ends, so a prompt re-ask keeps its place. */
  ticketGraceMs: 5_000,
  /** Live ticket waiters one kind may hold before new tickets get QUEUE_FULL. */
  queueMax: 10_000,
  queueFullRetryAfterMs: 1_000,
  /** A broker re-reads its own waiters at least this often while it holds any. */
  reconcileIntervalMs: 500,
  /** Queue entries one store step examines at most. */
  scanLimit: 100,
  queueListLimit: { default: 100, min: 1, max: 500 },
  /** How soon an old (polling) client near the head should poll again, by position. */
  pollRetryAfterMs(position: number): number {
    if (position <= 1) return 250;
    if (position === 2) return 500;
    if (position <= 5) return 1_000;
    return POLICY.poolExhaustedRetryAfterMs;
  },
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
  reason: 1_000,
} as const;

/** Credential health and per-kind policy (spec/broker-additions.md §2, §3). */
export const HEALTH_POLICY = {
  /** Consecutive broken reports that quarantine a credential when the kind sets none. */
  quarantineAfterBrokenDefault: 1,
  /** The smallest value each policy field takes. */
  policy: {
    maxHoldMs: 30_000,
    maxLeasesPerRole: 0,
    maxLeasesPerOwner: 1,
    quarantineAfterBroken: 1,
  },
} as const;

export const ACTOR_ROLES = ['ci', 'maintainer'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

export const CREDENTIAL_STATUSES = ['active', 'disabled'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];
