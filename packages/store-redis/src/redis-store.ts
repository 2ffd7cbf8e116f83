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
import { ERROR_CODES, WAIT_POLICY } from '@qa-broker/contract';
import { activityWindowStart } from '@qa-broker/store';
import type { Cluster } from 'ioredis';
import { isCluster, type RedisClient } from './redis-client.js';
import { malformedReply, toStoreError } from './errors.js';
import { adminLogTag, leaseLogTag, readEventPage, type EventLog } from './events.js';
import type { Keyspace } from './keys.js';
import { activityFrom, countKindActivity } from './lease-activity.js';
import { replyStrings } from './reply.js';
import {
  credentialExists,
  listKinds,
  listPolicyKinds,
  lookupKind,
  registerCredential,
  registerKind,
  registerPolicyKind,
} from './lookup.js';
import { isAbsentInKind } from './ops/absent.js';
import { acquireScript } from './ops/acquire.js';
import { addCredentialScript } from './ops/add-credential.js';
import { appendAdminEventScript } from './ops/append-admin-event.js';
import { cancelWaitScript } from './ops/cancel-wait.js';
import { disableCredentialScript } from './ops/disable-credential.js';
import { getPolicyScript } from './ops/get-policy.js';
import { heartbeatScript } from './ops/heartbeat.js';
import { listKindPageScript } from './ops/list-kind-page.js';
import { listQueueScript } from './ops/list-queue.js';
import { poolStatsScript } from './ops/pool-stats.js';
import { pruneEventsScript } from './ops/prune-events.js';
import { quarantineCredentialScript } from './ops/quarantine-credential.js';
import { readChunkScript } from './ops/read-chunk.js';
import { readCredentialsScript } from './ops/read-credentials.js';
import { releaseScript } from './ops/release.js';
import { replacePayloadScript } from './ops/replace-payload.js';
import { restoreCredentialScript } from './ops/restore-credential.js';
import { STEP_LIMIT } from './ops/queue-step.js';
import { setPolicyScript } from './ops/set-policy.js';
import { tickWaitersScript } from './ops/tick-waiters.js';
import { updateCredentialScript } from './ops/update-credential.js';
import { ShardedWakeSubscription, type ShardedWakeTuning } from './sharded-wakeups.js';
import { WaitingKinds } from './waiting-kinds.js';
import { subscribeWakeupChannel, wakeConnectionName } from './wakeups.js';

/**
 * Expired leases one step (acquire, release, tick, ...) moves back to the free set at
 * most, and queue entries it examines at most (keeps every step bounded).
 */
export const RECLAIM_LIMIT_PER_ACQUIRE = STEP_LIMIT;
/** Largest page one read script returns. */
export const MAX_PAGE_SIZE = 500;
/** Kinds this process already registered; cleared when full so it stays bounded. */
const KNOWN_KINDS_MAX = 10_000;

export interface RedisDurability {
  /** `"unknown"` when the server refuses CONFIG GET (managed Redis, ACLs). */
  appendOnly: boolean | 'unknown';
}

/** Code-point order, as the kinds zset (memcmp of UTF-8) keeps them. */
function compareKinds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function clampPageSize(limit: number): number {
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(limit)));
}

/**
 * `CredentialStore` on Redis. Every state change is one Lua script over the keys of one
 * kind (one hash slot); this class only picks keys, calls the typed wrappers in `ops/`
 * and, for reads, stitches bounded pages together.
 */
export class RedisStore implements CredentialStore {
  private readonly knownKinds = new Set<string>();
  private readonly subscriptions = new Set<WakeupSubscription>();
  /** Cluster only: kinds each broker waits on, and its live subscriptions that follow them. */
  private readonly waitingKinds = new WaitingKinds();
  private readonly shardedWakes = new Map<string, Set<ShardedWakeSubscription>>();

  constructor(
    readonly client: RedisClient,
    readonly keys: Keyspace,
    private readonly ownsClient: boolean,
  ) {}

  async acquire(input: AcquireInput): Promise<AcquireResult> {
    await this.ensureKindRegistered(input.kind);
    const keys = this.keys.kind(input.kind);
    const result = await acquireScript(this.client, keys, input, RECLAIM_LIMIT_PER_ACQUIRE);
    if (input.wait && !result.ok && result.code === 'WAITING' && isCluster(this.client)) {
      await this.watchWaitingKind(input.wait.brokerId, input.kind);
    }
    return result;
  }

  async tickWaiters(input: TickWaitersInput): Promise<TickWaitersResult> {
    return tickWaitersScript(this.client, this.keys.kind(input.kind), input);
  }

  async cancelWait(input: CancelWaitInput): Promise<void> {
    await cancelWaitScript(this.client, this.keys.kind(input.kind), input);
  }

  /**
   * On a single Redis, one dedicated connection per call, subscribed to
   * `keys.wakeChannel(brokerId)` (`subscribeWakeupChannel`). On a cluster, a sharded
   * subscription that follows the kinds the broker waits on (`ShardedWakeSubscription`;
   * `tuning` is for tests). `close()` of the store also closes every subscription.
   */
  async subscribeWakeups(
    brokerId: string,
    onWake: (ticketIds: string[]) => void,
    tuning: ShardedWakeTuning = {},
  ): Promise<WakeupSubscription> {
    const connectionName = wakeConnectionName(this.keys.prefix, brokerId);
    const subscription = isCluster(this.client)
      ? await this.subscribeSharded(brokerId, onWake, connectionName, tuning)
      : await subscribeWakeupChannel(this.client, onWake, {
          channel: this.keys.wakeChannel(brokerId),
          connectionName,
        });
    const tracked: WakeupSubscription = {
      close: async () => {
        this.subscriptions.delete(tracked);
        await subscription.close();
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }

  /** Kinds in code-point order, each with up to `limit` live waiters; empty queues left out. */
  async listQueues(filter: QueueListFilter): Promise<KindQueue[]> {
    const limit = Math.min(WAIT_POLICY.queueListLimit.max, Math.max(1, Math.trunc(filter.limit)));
    const kinds =
      filter.kind !== undefined && filter.kind !== ''
        ? [filter.kind]
        : await listKinds(this.client, this.keys.global);
    const queues: KindQueue[] = [];
    for (const kind of kinds) {
      const waiters = await listQueueScript(this.client, this.keys.kind(kind), limit, filter.nowMs);
      if (waiters.length > 0) queues.push({ kind, waiters });
    }
    return queues;
  }

  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    const result = await heartbeatScript(this.client, this.keys.kind(input.kind), input);
    return isAbsentInKind(result) ? this.explainAbsent(input) : result;
  }

  async release(input: ReleaseInput): Promise<ReleaseResult> {
    const result = await releaseScript(this.client, this.keys.kind(input.kind), input);
    return isAbsentInKind(result) ? this.explainAbsent(input) : result;
  }

  async readPayloadChunk(input: ReadChunkInput): Promise<ReadChunkResult> {
    const result = await readChunkScript(this.client, this.keys.kind(input.kind), input);
    return isAbsentInKind(result) ? this.explainAbsent(input) : result;
  }

  async addCredential(input: AddCredentialInput): Promise<CredentialRecord> {
    await registerCredential(this.client, this.keys.global, input.credentialId, input.kind);
    this.rememberKind(input.kind);
    return addCredentialScript(this.client, this.keys.kind(input.kind), input);
  }

  async disableCredential(input: DisableInput): Promise<DisableResult> {
    const kind = await lookupKind(this.client, this.keys.global, input.credentialId);
    if (kind === undefined) {
      await appendAdminEventScript(this.client, this.keys.global, {
        eventType: 'disable_failed',
        actorId: input.actorId,
        credentialId: input.credentialId,
        code: 'CREDENTIAL_NOT_FOUND',
        message: ERROR_CODES.CREDENTIAL_NOT_FOUND.message,
        ...(input.nowMs !== undefined ? { nowMs: input.nowMs } : {}),
      });
      return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    }
    return disableCredentialScript(this.client, this.keys.kind(kind), kind, input);
  }

  async restoreCredential(input: CredentialChangeInput): Promise<CredentialChangeResult> {
    const kind = await lookupKind(this.client, this.keys.global, input.credentialId);
    if (kind === undefined) return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    return restoreCredentialScript(this.client, this.keys.kind(kind), kind, input);
  }

  async quarantineCredential(input: QuarantineInput): Promise<CredentialChangeResult> {
    const kind = await lookupKind(this.client, this.keys.global, input.credentialId);
    if (kind === undefined) return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    return quarantineCredentialScript(this.client, this.keys.kind(kind), kind, input);
  }

  async updateCredential(input: UpdateCredentialInput): Promise<CredentialChangeResult> {
    const kind = await lookupKind(this.client, this.keys.global, input.credentialId);
    if (kind === undefined) return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    return updateCredentialScript(this.client, this.keys.kind(kind), kind, input);
  }

  async findCredential(credentialId: string): Promise<CredentialRecord | undefined> {
    const kind = await lookupKind(this.client, this.keys.global, credentialId);
    if (kind === undefined) return undefined;
    const [record] = await readCredentialsScript(
      this.client,
      this.keys.kind(kind),
      kind,
      [credentialId],
      false,
    );
    return record;
  }

  async setPolicy(input: SetPolicyInput): Promise<KindPolicyRecord> {
    await registerPolicyKind(this.client, this.keys.global, input.kind);
    // Its policy event goes to the kind's admin log, which listings and retention find
    // through the kind registry.
    await this.ensureKindRegistered(input.kind);
    return setPolicyScript(this.client, this.keys.kind(input.kind), input);
  }

  /** One kind's policy, or every kind's that has one, in code-point order of kind. */
  async getPolicies(input: { kind?: string }): Promise<KindPolicyRecord[]> {
    const kinds =
      input.kind !== undefined
        ? [input.kind]
        : await listPolicyKinds(this.client, this.keys.global);
    const policies: KindPolicyRecord[] = [];
    for (const kind of kinds) {
      const policy = await getPolicyScript(this.client, this.keys.kind(kind), kind);
      if (policy) policies.push(policy);
    }
    return policies;
  }

  async replacePayload(input: ReplacePayloadInput): Promise<boolean> {
    const kind = await lookupKind(this.client, this.keys.global, input.credentialId);
    if (kind === undefined) return false;
    return replacePayloadScript(this.client, this.keys.kind(kind), input);
  }

  async listCredentials(filter: ListFilter): Promise<CredentialRecord[]> {
    const limit = clampPageSize(filter.limit);
    const statuses = filter.status === 'all' ? (['active', 'disabled'] as const) : [filter.status];
    const after = filter.after;
    const kinds = (
      filter.kind !== undefined && filter.kind !== ''
        ? [filter.kind]
        : await listKinds(this.client, this.keys.global)
    ).filter((kind) => !after || compareKinds(kind, after.kind) >= 0);
    const records: CredentialRecord[] = [];
    for (const kind of kinds) {
      for (const status of statuses) {
        const resumeHere = after?.kind === kind && after.status === status;
        // Active sorts before disabled: resuming in "disabled" skips the active set.
        if (after?.kind === kind && after.status === 'disabled' && status === 'active') continue;
        for (let offset = 0; records.length < limit;) {
          const size = limit - records.length;
          const page = await listKindPageScript(this.client, this.keys.kind(kind), {
            kind,
            status,
            offset,
            size,
            includePayload: filter.includePayload,
            ...(resumeHere ? { after } : {}),
          });
          records.push(...page);
          if (page.length < size) break;
          offset += size;
        }
      }
      if (records.length >= limit) break;
    }
    return records;
  }

  async scanCredentials(input: {
    cursor?: string;
    limit: number;
    includePayload: boolean;
  }): Promise<ScanPage> {
    const limit = clampPageSize(input.limit);
    const global = this.keys.global;
    let ids: string[];
    let kinds: unknown[];
    try {
      const start = input.cursor !== undefined ? `(${input.cursor}` : '-';
      const idReply: unknown = await this.client.zrangebylex(
        global.credentialIds,
        start,
        '+',
        'LIMIT',
        0,
        limit,
      );
      ids = replyStrings(idReply, 'scan-credentials');
      kinds = ids.length > 0 ? await this.client.hmget(global.credentialKinds, ...ids) : [];
    } catch (error) {
      throw toStoreError(error, 'scan-credentials');
    }
    if (kinds.length !== ids.length) throw malformedReply('scan-credentials');
    const idsByKind = new Map<string, string[]>();
    ids.forEach((id, index) => {
      const kind = kinds[index];
      if (typeof kind !== 'string') return;
      idsByKind.set(kind, [...(idsByKind.get(kind) ?? []), id]);
    });
    const found = new Map<string, CredentialRecord>();
    for (const [kind, kindIds] of idsByKind) {
      const records = await readCredentialsScript(
        this.client,
        this.keys.kind(kind),
        kind,
        kindIds,
        input.includePayload,
      );
      for (const record of records) found.set(record.credentialId, record);
    }
    const credentials = ids.flatMap((id) => {
      const record = found.get(id);
      return record ? [record] : [];
    });
    const last = ids.at(-1);
    return ids.length === limit && last !== undefined
      ? { credentials, nextCursor: last }
      : { credentials };
  }

  async listEvents(filter: EventFilter): Promise<EventPage> {
    return readEventPage(this.client, await this.eventLogs(filter), filter);
  }

  async poolStats(): Promise<PoolStats[]> {
    const kinds = await listKinds(this.client, this.keys.global);
    const stats = await Promise.all(
      kinds.map((kind) => poolStatsScript(this.client, this.keys.kind(kind), kind)),
    );
    // A kind only ever acquired (never added) has no credentials: not a pool, unless
    // someone waits for it.
    return stats.filter(
      (pool) => pool.free + pool.leased + pool.disabled + pool.waiting + pool.quarantined > 0,
    );
  }

  async leaseActivity(input: LeaseActivityInput): Promise<LeaseActivity> {
    const windowStartMs = activityWindowStart(input.nowMs ?? (await this.now()));
    const kinds =
      input.kind !== undefined ? [input.kind] : await listKinds(this.client, this.keys.global);
    const counts = await Promise.all(
      kinds.map((kind) =>
        countKindActivity(this.client, this.keys.kind(kind).leaseEvents, kind, windowStartMs),
      ),
    );
    return activityFrom(windowStartMs, counts);
  }

  async pruneEvents(input: PruneInput): Promise<PruneResult> {
    const logs = await this.eventLogs({});
    let budget = Math.max(0, Math.trunc(input.batchSize));
    let deleted = 0;
    for (const log of logs) {
      if (budget === 0) break;
      const removed = await pruneEventsScript(this.client, log.key, {
        maxAgeMs: log.category === 'lease' ? input.leaseEventMaxAgeMs : input.adminEventMaxAgeMs,
        batchSize: budget,
        ...(input.nowMs !== undefined ? { nowMs: input.nowMs } : {}),
      });
      deleted += removed;
      budget -= removed;
    }
    return { deleted, more: budget === 0 && deleted > 0 };
  }

  async now(): Promise<number> {
    try {
      const [seconds, micros] = await this.client.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    } catch (error) {
      throw toStoreError(error, 'time');
    }
  }

  /**
   * Ready when the store can serve: a single Redis answers PING; a cluster client is
   * connected and every primary answers and reports `cluster_state:ok` (a cluster missing
   * a primary for some slots answers those kinds' calls with STORE_UNAVAILABLE).
   */
  async ping(): Promise<void> {
    try {
      if (!isCluster(this.client)) {
        await this.client.ping();
        return;
      }
      if (this.client.status !== 'ready')
        throw new Error('CLUSTERDOWN the cluster client is not ready');
      const primaries = this.client.nodes('master');
      if (primaries.length === 0) throw new Error('CLUSTERDOWN no primary is known');
      const states = await Promise.all(primaries.map((node) => node.cluster('INFO')));
      for (const info of states) {
        if (typeof info !== 'string' || !/^cluster_state:ok/m.test(info)) {
          throw new Error('CLUSTERDOWN a primary reports cluster_state other than ok');
        }
      }
    } catch (error) {
      throw toStoreError(error, 'ping');
    }
  }

  /** Whether Redis persists every write (AOF); without it a restart can forget leases. */
  async durability(): Promise<RedisDurability> {
    // On a cluster every primary keeps its own slots: all of them must persist.
    const servers = isCluster(this.client) ? this.client.nodes('master') : [this.client];
    let verdict: RedisDurability['appendOnly'] = true;
    for (const server of servers) {
      let reply: unknown;
      try {
        reply = await server.config('GET', 'appendonly');
      } catch (error) {
        const storeError = toStoreError(error, 'durability');
        // CONFIG may be renamed or denied by ACLs on managed Redis: that is not an outage.
        if (storeError.code === 'INTERNAL_ERROR') return { appendOnly: 'unknown' };
        throw storeError;
      }
      const value = Array.isArray(reply) ? (reply as unknown[])[1] : undefined;
      if (value === 'no') return { appendOnly: false };
      if (value !== 'yes') verdict = 'unknown';
    }
    return { appendOnly: verdict };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (!this.ownsClient) return;
    try {
      await this.client.quit();
    } catch {
      // Already disconnected or unreachable: drop the socket and stop reconnecting.
      this.client.disconnect();
    }
  }

  /**
   * Registered before it connects, so a WAITING answer that comes while it starts is not
   * missed: `start()` listens to every kind noted until then, `watch` to each one after.
   */
  private async subscribeSharded(
    brokerId: string,
    onWake: (ticketIds: string[]) => void,
    connectionName: string,
    tuning: ShardedWakeTuning,
  ): Promise<WakeupSubscription> {
    const cluster = this.client as Cluster;
    const subscription = new ShardedWakeSubscription(cluster, onWake, {
      ...tuning,
      brokerId,
      connectionName,
      recentKinds: (idleMs) => this.waitingKinds.recent(brokerId, idleMs),
      channelOf: (kind) => this.keys.kind(kind).wakeChannel,
    });
    const live = this.shardedWakes.get(brokerId) ?? new Set();
    this.shardedWakes.set(brokerId, live.add(subscription));
    const forget = () => {
      live.delete(subscription);
      if (live.size === 0 && this.shardedWakes.get(brokerId) === live) {
        this.shardedWakes.delete(brokerId);
      }
    };
    try {
      await subscription.start();
    } catch (error) {
      forget();
      await subscription.close();
      throw error;
    }
    return {
      close: async () => {
        forget();
        await subscription.close();
      },
    };
  }

  /** Cluster: the broker's live subscriptions listen to `kind` before WAITING is answered. */
  private async watchWaitingKind(brokerId: string, kind: string): Promise<void> {
    this.waitingKinds.note(brokerId, kind);
    const live = this.shardedWakes.get(brokerId);
    if (live) await Promise.all([...live].map((subscription) => subscription.watch(kind)));
  }

  /**
   * A per-kind script found no credential under the request's kind. The immutable id ->
   * kind lookup tells a credential of another kind (KIND_MISMATCH) from none at all; a
   * lookup entry whose add never completed has no record and counts as not found.
   */
  private async explainAbsent(input: {
    credentialId: string;
    kind: string;
  }): Promise<{ ok: false; code: 'CREDENTIAL_NOT_FOUND' | 'KIND_MISMATCH' }> {
    const kind = await lookupKind(this.client, this.keys.global, input.credentialId);
    if (kind === undefined || kind === input.kind)
      return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    const exists = await credentialExists(this.client, this.keys.kind(kind), input.credentialId);
    return { ok: false, code: exists ? 'KIND_MISMATCH' : 'CREDENTIAL_NOT_FOUND' };
  }

  /**
   * An acquire of a kind nobody added still writes an acquire_failed event, into that
   * kind's event log; registering the kind first keeps that log visible to listEvents and
   * pruneEvents. Once per kind per process, so the hot path stays one round trip.
   */
  private async ensureKindRegistered(kind: string): Promise<void> {
    if (this.knownKinds.has(kind)) return;
    await registerKind(this.client, this.keys.global, kind);
    this.rememberKind(kind);
  }

  private rememberKind(kind: string): void {
    if (this.knownKinds.size >= KNOWN_KINDS_MAX) this.knownKinds.clear();
    this.knownKinds.add(kind);
  }

  private async eventLogs(filter: Pick<EventFilter, 'category' | 'kind'>): Promise<EventLog[]> {
    const kinds =
      filter.kind !== undefined ? [filter.kind] : await listKinds(this.client, this.keys.global);
    const logs: EventLog[] = [];
    if (filter.category !== 'admin') {
      for (const kind of kinds) {
        logs.push({
          key: this.keys.kind(kind).leaseEvents,
          tag: leaseLogTag(kind),
          category: 'lease',
          kind,
        });
      }
    }
    if (filter.category !== 'lease') {
      for (const kind of kinds) {
        logs.push({
          key: this.keys.kind(kind).adminEvents,
          tag: adminLogTag(kind),
          category: 'admin',
          kind,
        });
      }
      if (filter.kind === undefined) {
        logs.push({
          key: this.keys.global.adminEvents,
          tag: adminLogTag(undefined),
          category: 'admin',
        });
      }
    }
    return logs;
  }
}
