import type {
  AcquireInput,
  AcquireResult,
  AddCredentialInput,
  CancelWaitInput,
  CredentialChangeInput,
  CredentialChangeResult,
  CredentialRecord,
  DisableInput,
  DisableResult,
  EventFilter,
  EventPage,
  HeartbeatInput,
  HeartbeatResult,
  KindPolicyRecord,
  KindQueue,
  LeaseActivity,
  LeaseActivityInput,
  ListFilter,
  PoolStats,
  PruneInput,
  PruneResult,
  QuarantineInput,
  QueueListFilter,
  ReadChunkInput,
  ReadChunkResult,
  ReleaseInput,
  ReleaseResult,
  ReplacePayloadInput,
  ScanPage,
  SetPolicyInput,
  TickWaitersInput,
  UpdateCredentialInput,
  TickWaitersResult,
  WakeupSubscription,
} from './types.js';

/**
 * What the broker needs from a store, in domain terms. Every state change is one atomic
 * step in the store (one Lua script, one SQL statement or one short transaction): the
 * change, its fencing increment and its event commit together. Failures of the store
 * itself throw a `StoreError`; domain outcomes are results, never throws.
 */
export interface CredentialStore {
  /**
   * Leases the least recently leased free credential of the kind (ties: creation order),
   * unless the kind's wait queue comes first: then the caller queues (see `TicketWait`).
   * Every step that frees a credential (release, expiry, add, a lapsed pickup) grants it
   * to the head waiter in the same atomic step and wakes that waiter's broker.
   */
  acquire(input: AcquireInput): Promise<AcquireResult>;
  /**
   * Renews the deadlines of a broker's open tickets, reclaims expired leases and lapsed
   * pickups of the kind (handing them on), and says which of the tickets hold a grant.
   */
  tickWaiters(input: TickWaitersInput): Promise<TickWaitersResult>;
  /**
   * The request of a ticket is gone: a grant it holds but never picked up is handed on at
   * once. A ticket still waiting keeps its place until its deadline lapses.
   */
  cancelWait(input: CancelWaitInput): Promise<void>;
  /**
   * Calls `onWake` with the ticketIds granted to waiters of `brokerId`, as soon as the store
   * learns of them. Lossy by design: brokers also tick.
   */
  subscribeWakeups(
    brokerId: string,
    onWake: (ticketIds: string[]) => void,
  ): Promise<WakeupSubscription>;
  /** Each kind's queue (or one kind's), live waiters only, in order. */
  listQueues(filter: QueueListFilter): Promise<KindQueue[]>;
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
  release(input: ReleaseInput): Promise<ReleaseResult>;
  /** Checks the lease and reads one stored piece in one step. */
  readPayloadChunk(input: ReadChunkInput): Promise<ReadChunkResult>;

  addCredential(input: AddCredentialInput): Promise<CredentialRecord>;
  disableCredential(input: DisableInput): Promise<DisableResult>;
  /**
   * Clears a quarantine, resets broken reports and re-enables a disabled credential; the
   * credential then goes to the head waiter, if any. Event `restore`.
   */
  restoreCredential(input: CredentialChangeInput): Promise<CredentialChangeResult>;
  /** Never grant it again until restored; a current holder keeps its lease. Event `quarantine`. */
  quarantineCredential(input: QuarantineInput): Promise<CredentialChangeResult>;
  /**
   * Replaces the payload and/or the note. A current holder keeps the version it was granted
   * (inline payload and chunks) until its lease ends; the next lease gets the new one.
   * Event `update` (never with the payload).
   */
  updateCredential(input: UpdateCredentialInput): Promise<CredentialChangeResult>;
  /** One credential by id, without its payload (admin/update needs its kind first). */
  findCredential(credentialId: string): Promise<CredentialRecord | undefined>;
  /** Patches a kind's policy (applied by every later step); event `policy`. */
  setPolicy(input: SetPolicyInput): Promise<KindPolicyRecord>;
  /** One kind's policy, or every kind that has one, in code-point order of kind. */
  getPolicies(input: { kind?: string }): Promise<KindPolicyRecord[]>;
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
