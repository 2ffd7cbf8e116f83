import type {
  AcquireInput,
  AcquireResult,
  AddCredentialInput,
  CredentialRecord,
  DisableInput,
  DisableResult,
  EventFilter,
  EventPage,
  HeartbeatInput,
  HeartbeatResult,
  LeaseActivity,
  LeaseActivityInput,
  ListFilter,
  PoolStats,
  PruneInput,
  PruneResult,
  ReadChunkInput,
  ReadChunkResult,
  ReleaseInput,
  ReleaseResult,
  ReplacePayloadInput,
  ScanPage,
} from './types.js';

/**
 * What the broker needs from a store, in domain terms. Every state change is one atomic
 * step in the store (one Lua script, one SQL statement or one short transaction): the
 * change, its fencing increment and its event commit together. Failures of the store
 * itself throw a `StoreError`; domain outcomes are results, never throws.
 */
export interface CredentialStore {
  /** Leases the least recently leased free credential of the kind (ties: creation order). */
  acquire(input: AcquireInput): Promise<AcquireResult>;
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
  release(input: ReleaseInput): Promise<ReleaseResult>;
  /** Checks the lease and reads one stored piece in one step. */
  readPayloadChunk(input: ReadChunkInput): Promise<ReadChunkResult>;

  addCredential(input: AddCredentialInput): Promise<CredentialRecord>;
  disableCredential(input: DisableInput): Promise<DisableResult>;
  /** Compare-and-set of the stored pieces, for key rotation. True when it was replaced. */
  replacePayload(input: ReplacePayloadInput): Promise<boolean>;

  /** The spec's admin/list order: kind (code points), active first, updatedAtMs desc, id. */
  listCredentials(filter: ListFilter): Promise<CredentialRecord[]>;
  /** Every credential, in id order, one bounded page at a time (key rotation, exports). */
  scanCredentials(input: {
    cursor?: string;
    limit: number;
    includePayload: boolean;
  }): Promise<ScanPage>;
  listEvents(filter: EventFilter): Promise<EventPage>;
  poolStats(): Promise<PoolStats[]>;
  /** Counts acquire / acquire_failed events per kind per minute over the last hour. */
  leaseActivity(input: LeaseActivityInput): Promise<LeaseActivity>;
  pruneEvents(input: PruneInput): Promise<PruneResult>;

  /** The store's clock, in integer milliseconds. */
  now(): Promise<number>;
  /** Throws a `StoreError` when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
