import type {
  AcquireInput,
  AcquireResult,
  AddCredentialInput,
  CancelWaitInput,
  CredentialRecord,
  DisableInput,
  DisableResult,
  EventFilter,
  EventPage,
  HeartbeatInput,
  HeartbeatResult,
  KindQueue,
  ListFilter,
  PoolStats,
  PruneInput,
  PruneResult,
  QueueListFilter,
  ReadChunkInput,
  ReadChunkResult,
  ReleaseInput,
  ReleaseResult,
  ReplacePayloadInput,
  ScanPage,
  TickWaitersInput,
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
  pruneEvents(input: PruneInput): Promise<PruneResult>;

  /** The store's clock, in integer milliseconds. */
  now(): Promise<number>;
  /** Throws a `StoreError` when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
