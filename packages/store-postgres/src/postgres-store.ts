import type {
  AcquireInput,
  AcquireResult,
  AddCredentialInput,
  CancelWaitInput,
  CredentialChangeInput,
  CredentialChangeResult,
  CredentialRecord,
  CredentialStore,
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
  TickWaitersResult,
  UpdateCredentialInput,
  WakeupSubscription,
} from '@qa-broker/store';
import { toStoreError } from './errors.js';
import { runMigrations } from './migrations.js';
import { acquireQuery } from './queries/acquire.js';
import { addCredentialQuery } from './queries/add-credential.js';
import { cancelWaitQuery } from './queries/cancel-wait.js';
import { disableCredentialQuery } from './queries/disable-credential.js';
import { findCredentialQuery } from './queries/find-credential.js';
import { getPoliciesQuery } from './queries/get-policies.js';
import { heartbeatQuery } from './queries/heartbeat.js';
import { leaseActivityQuery } from './queries/lease-activity.js';
import { listCredentialsQuery } from './queries/list-credentials.js';
import { listEventsQuery } from './queries/list-events.js';
import { listQueuesQuery } from './queries/list-queues.js';
import { storeNow } from './queries/now.js';
import { ping } from './queries/ping.js';
import { poolStatsQuery } from './queries/pool-stats.js';
import { pruneEventsQuery } from './queries/prune-events.js';
import { quarantineCredentialQuery } from './queries/quarantine-credential.js';
import { queueAcquireQuery } from './queries/queue-acquire.js';
import { readPayloadChunkQuery } from './queries/read-payload-chunk.js';
import { releaseQuery } from './queries/release.js';
import { replacePayloadQuery } from './queries/replace-payload.js';
import { restoreCredentialQuery } from './queries/restore-credential.js';
import { scanCredentialsQuery } from './queries/scan-credentials.js';
import { setPolicyQuery } from './queries/set-policy.js';
import { settleQueueQuery } from './queries/settle-queue.js';
import { tickWaitersQuery } from './queries/tick-waiters.js';
import { unqueueReleasedQuery } from './queries/unqueue-released.js';
import { updateCredentialQuery } from './queries/update-credential.js';
import { quoteSchema, type QuotedSchema } from './schema-name.js';
import type { Queryable, SqlClient } from './sql-client.js';
import { WakeRegistry } from './wake-registry.js';
import { WakeupHub } from './wakeup-hub.js';

function buildQueries(schema: QuotedSchema) {
  return {
    acquire: acquireQuery(schema),
    queueAcquire: queueAcquireQuery(schema),
    settleQueue: settleQueueQuery(schema),
    unqueueReleased: unqueueReleasedQuery(schema),
    tickWaiters: tickWaitersQuery(schema),
    cancelWait: cancelWaitQuery(schema),
    listQueues: listQueuesQuery(schema),
    heartbeat: heartbeatQuery(schema),
    release: releaseQuery(schema),
    readPayloadChunk: readPayloadChunkQuery(schema),
    addCredential: addCredentialQuery(schema),
    disableCredential: disableCredentialQuery(schema),
    replacePayload: replacePayloadQuery(schema),
    restoreCredential: restoreCredentialQuery(schema),
    quarantineCredential: quarantineCredentialQuery(schema),
    updateCredential: updateCredentialQuery(schema),
    findCredential: findCredentialQuery(schema),
    setPolicy: setPolicyQuery(schema),
    getPolicies: getPoliciesQuery(schema),
    listCredentials: listCredentialsQuery(schema),
    scanCredentials: scanCredentialsQuery(schema),
    listEvents: listEventsQuery(schema),
    poolStats: poolStatsQuery(schema),
    leaseActivity: leaseActivityQuery(schema),
    pruneEvents: pruneEventsQuery(schema),
  };
}

/**
 * `CredentialStore` over PostgreSQL or PGlite. Each operation is one statement from
 * `queries/`; this class only wires them and turns failures into `StoreError`s.
 * Open it with `openPostgresStore` or `openPgliteStore`.
 *
 * The wait queue: a v1 statement (acquire, release, add) first takes its kind's queue
 * lock shared and runs as in v1 while the kind has no waiter rows; otherwise it changes
 * nothing and the step runs again under the lock exclusive (queue_acquire, or the same
 * statement followed by queue_settle in one transaction). Wake-ups for tickets granted in
 * a step are sent after it committed (see WakeupHub).
 */
export class PostgresStore implements CredentialStore {
  /** The schema the store's tables live in (unquoted). */
  readonly schema: string;
  private readonly quotedSchema: QuotedSchema;
  private readonly queries: ReturnType<typeof buildQueries>;
  private closing: Promise<void> | undefined;

  private readonly wakeups: WakeupHub;

  constructor(
    private readonly client: SqlClient,
    schema: string,
    /** How wake-ups travel; default: in this process only. */
    wakeups?: WakeupHub,
  ) {
    this.quotedSchema = quoteSchema(schema);
    this.schema = schema;
    this.queries = buildQueries(this.quotedSchema);
    this.wakeups = wakeups ?? new WakeupHub(schema, new WakeRegistry());
  }

  /** Applies pending migrations (idempotent, safe to run concurrently). */
  migrate(): Promise<{ applied: string[] }> {
    return this.run('migrate', () => runMigrations(this.client, this.quotedSchema, this.schema));
  }

  acquire(input: AcquireInput): Promise<AcquireResult> {
    return this.run('acquire', async (db) => {
      if (!input.wait) {
        const v1 = await this.queries.acquire(db, input);
        if (v1 !== 'QUEUED') return v1;
      }
      const { result, wakeups } = await this.queries.queueAcquire(db, input);
      await this.wakeups.deliver(db, wakeups);
      return result;
    });
  }

  tickWaiters(input: TickWaitersInput): Promise<TickWaitersResult> {
    return this.run('tickWaiters', async (db) => {
      const { result, wakeups } = await this.queries.tickWaiters(db, input);
      await this.wakeups.deliver(db, wakeups);
      return result;
    });
  }

  cancelWait(input: CancelWaitInput): Promise<void> {
    return this.run('cancelWait', async (db) => {
      await this.wakeups.deliver(db, await this.queries.cancelWait(db, input));
    });
  }

  subscribeWakeups(
    brokerId: string,
    onWake: (ticketIds: string[]) => void,
  ): Promise<WakeupSubscription> {
    return this.run('subscribeWakeups', () => this.wakeups.subscribe(brokerId, onWake));
  }

  listQueues(filter: QueueListFilter): Promise<KindQueue[]> {
    return this.run('listQueues', (db) => this.queries.listQueues(db, filter));
  }

  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    return this.run('heartbeat', (db) => this.queries.heartbeat(db, input));
  }

  release(input: ReleaseInput): Promise<ReleaseResult> {
    return this.run('release', async (db) => {
      const shared = await this.queries.release(db, input, false);
      if (shared !== 'RETRY_EXCLUSIVE') return shared.result;
      return this.exclusive(input.kind, input.nowMs, (tx) => this.queries.release(tx, input, true));
    });
  }

  readPayloadChunk(input: ReadChunkInput): Promise<ReadChunkResult> {
    return this.run('readPayloadChunk', (db) => this.queries.readPayloadChunk(db, input));
  }

  addCredential(input: AddCredentialInput): Promise<CredentialRecord> {
    return this.run('addCredential', async (db) => {
      const shared = await this.queries.addCredential(db, input, false);
      if (shared !== 'RETRY_EXCLUSIVE') return shared;
      return this.exclusive(input.kind, input.nowMs, async (tx) => {
        const result = await this.queries.addCredential(tx, input, true);
        return result === 'RETRY_EXCLUSIVE' ? result : { result, releasedWaiterId: null };
      });
    });
  }

  disableCredential(input: DisableInput): Promise<DisableResult> {
    return this.run('disableCredential', (db) => this.queries.disableCredential(db, input));
  }

  restoreCredential(input: CredentialChangeInput): Promise<CredentialChangeResult> {
    return this.run('restoreCredential', async () => {
      const { code, wakeups, credential } = await this.client.transaction(async (tx) => {
        const restored = await this.queries.restoreCredential(tx, input);
        const record = await this.queries.findCredential(tx, input.credentialId);
        return { ...restored, credential: record };
      });
      await this.wakeups.deliver(this.client.db, wakeups);
      if (code === 'CREDENTIAL_NOT_FOUND' || !credential)
        return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
      return { ok: true, changed: code === 'OK', credential };
    });
  }

  quarantineCredential(input: QuarantineInput): Promise<CredentialChangeResult> {
    return this.run('quarantineCredential', (db) => this.queries.quarantineCredential(db, input));
  }

  updateCredential(input: UpdateCredentialInput): Promise<CredentialChangeResult> {
    return this.run('updateCredential', (db) => this.queries.updateCredential(db, input));
  }

  findCredential(credentialId: string): Promise<CredentialRecord | undefined> {
    return this.run('findCredential', (db) => this.queries.findCredential(db, credentialId));
  }

  setPolicy(input: SetPolicyInput): Promise<KindPolicyRecord> {
    return this.run('setPolicy', (db) => this.queries.setPolicy(db, input));
  }

  getPolicies(input: { kind?: string }): Promise<KindPolicyRecord[]> {
    return this.run('getPolicies', (db) => this.queries.getPolicies(db, input));
  }

  replacePayload(input: ReplacePayloadInput): Promise<boolean> {
    return this.run('replacePayload', (db) => this.queries.replacePayload(db, input));
  }

  listCredentials(filter: ListFilter): Promise<CredentialRecord[]> {
    return this.run('listCredentials', (db) => this.queries.listCredentials(db, filter));
  }

  scanCredentials(input: {
    cursor?: string;
    limit: number;
    includePayload: boolean;
  }): Promise<ScanPage> {
    return this.run('scanCredentials', (db) => this.queries.scanCredentials(db, input));
  }

  listEvents(filter: EventFilter): Promise<EventPage> {
    return this.run('listEvents', (db) => this.queries.listEvents(db, filter));
  }

  poolStats(): Promise<PoolStats[]> {
    return this.run('poolStats', (db) => this.queries.poolStats(db));
  }

  leaseActivity(input: LeaseActivityInput): Promise<LeaseActivity> {
    return this.run('leaseActivity', (db) => this.queries.leaseActivity(db, input));
  }

  pruneEvents(input: PruneInput): Promise<PruneResult> {
    return this.run('pruneEvents', (db) => this.queries.pruneEvents(db, input));
  }

  now(): Promise<number> {
    return this.run('now', storeNow);
  }

  ping(): Promise<void> {
    return this.run('ping', ping);
  }

  /** Idempotent. Closes the wake-up listener and the pool, or a PGlite instance the store opened. */
  close(): Promise<void> {
    this.closing ??= this.wakeups.close().then(() => this.client.close());
    return this.closing;
  }

  /**
   * A v1 statement in exclusive mode, then (after a release of a ticket's lease) that
   * ticket's entry deleted, then queue_settle (sweep and dispatch), in one transaction under
   * the kind's queue lock; wake-ups go out after the commit.
   */
  private async exclusive<T>(
    kind: string,
    nowMs: number | undefined,
    work: (
      tx: Queryable,
    ) => Promise<{ result: T; releasedWaiterId: string | null } | 'RETRY_EXCLUSIVE'>,
  ): Promise<T> {
    const { result, wakeups } = await this.client.transaction(async (tx) => {
      const done = await work(tx);
      if (done === 'RETRY_EXCLUSIVE') throw new Error('exclusive mode asked to retry');
      if (done.releasedWaiterId !== null)
        await this.queries.unqueueReleased(tx, kind, done.releasedWaiterId);
      const wakeups = await this.queries.settleQueue(tx, kind, nowMs);
      return { result: done.result, wakeups };
    });
    await this.wakeups.deliver(this.client.db, wakeups);
    return result;
  }

  private async run<T>(operation: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await work(this.client.db);
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }
}
