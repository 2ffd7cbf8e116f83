import type {
  AcquireInput,
  AcquireResult,
  AddCredentialInput,
  CredentialRecord,
  CredentialStore,
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
} from '@qa-broker/store';
import { toStoreError } from './errors.js';
import { runMigrations } from './migrations.js';
import { acquireQuery } from './queries/acquire.js';
import { addCredentialQuery } from './queries/add-credential.js';
import { disableCredentialQuery } from './queries/disable-credential.js';
import { heartbeatQuery } from './queries/heartbeat.js';
import { leaseActivityQuery } from './queries/lease-activity.js';
import { listCredentialsQuery } from './queries/list-credentials.js';
import { listEventsQuery } from './queries/list-events.js';
import { storeNow } from './queries/now.js';
import { ping } from './queries/ping.js';
import { poolStatsQuery } from './queries/pool-stats.js';
import { pruneEventsQuery } from './queries/prune-events.js';
import { readPayloadChunkQuery } from './queries/read-payload-chunk.js';
import { releaseQuery } from './queries/release.js';
import { replacePayloadQuery } from './queries/replace-payload.js';
import { scanCredentialsQuery } from './queries/scan-credentials.js';
import { quoteSchema, type QuotedSchema } from './schema-name.js';
import type { Queryable, SqlClient } from './sql-client.js';

function buildQueries(schema: QuotedSchema) {
  return {
    acquire: acquireQuery(schema),
    heartbeat: heartbeatQuery(schema),
    release: releaseQuery(schema),
    readPayloadChunk: readPayloadChunkQuery(schema),
    addCredential: addCredentialQuery(schema),
    disableCredential: disableCredentialQuery(schema),
    replacePayload: replacePayloadQuery(schema),
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
 */
export class PostgresStore implements CredentialStore {
  /** The schema the store's tables live in (unquoted). */
  readonly schema: string;
  private readonly quotedSchema: QuotedSchema;
  private readonly queries: ReturnType<typeof buildQueries>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: SqlClient,
    schema: string,
  ) {
    this.quotedSchema = quoteSchema(schema);
    this.schema = schema;
    this.queries = buildQueries(this.quotedSchema);
  }

  /** Applies pending migrations (idempotent, safe to run concurrently). */
  migrate(): Promise<{ applied: string[] }> {
    return this.run('migrate', () => runMigrations(this.client, this.quotedSchema, this.schema));
  }

  acquire(input: AcquireInput): Promise<AcquireResult> {
    return this.run('acquire', (db) => this.queries.acquire(db, input));
  }

  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    return this.run('heartbeat', (db) => this.queries.heartbeat(db, input));
  }

  release(input: ReleaseInput): Promise<ReleaseResult> {
    return this.run('release', (db) => this.queries.release(db, input));
  }

  readPayloadChunk(input: ReadChunkInput): Promise<ReadChunkResult> {
    return this.run('readPayloadChunk', (db) => this.queries.readPayloadChunk(db, input));
  }

  addCredential(input: AddCredentialInput): Promise<CredentialRecord> {
    return this.run('addCredential', (db) => this.queries.addCredential(db, input));
  }

  disableCredential(input: DisableInput): Promise<DisableResult> {
    return this.run('disableCredential', (db) => this.queries.disableCredential(db, input));
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

  /** Idempotent. Closes the pool, or a PGlite instance the store opened itself. */
  close(): Promise<void> {
    this.closing ??= this.client.close();
    return this.closing;
  }

  private async run<T>(operation: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await work(this.client.db);
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }
}
