import { brokerContract, isErrorCode } from '@qa-broker/contract';
import type {
  ActorRole,
  AdminListBody,
  CredentialStatus,
  EventCategory,
  EventType,
  ReleaseOutcome,
  WaitRequest,
} from '@qa-broker/contract';
import { initClient } from '@ts-rest/core';
import type { z } from 'zod';
import {
  BrokerError,
  effectiveStatusOf,
  isPoolExhaustedCode,
  type BrokerErrorCode,
  type QueueStanding,
} from './broker-error.js';
import { createTransport, type TransportResponse } from './http-transport.js';

/** 1 MiB: the cap existing clients put on a normal answer. */
export const RESPONSE_MAX_BYTES = 1024 * 1024;

export interface BrokerRoutesOptions {
  /** Base URL and endpoint prefix joined, already checked by the URL policy. */
  endpoint: string;
  token: string;
  httpTimeoutMs: number;
  /** Payload chunks are read under this cap instead of 1 MiB. */
  payloadMaxBytes: number;
  fetch: typeof globalThis.fetch;
}

type OkBody<R extends { responses: { 200: z.ZodTypeAny } }> = z.output<R['responses'][200]>;
type CallOptions = { signal?: AbortSignal | undefined };

type Contract = typeof brokerContract;
export type AcquireOkBody = OkBody<Contract['acquire']>;
export type HeartbeatOkBody = OkBody<Contract['heartbeat']>;
export type ReleaseOkBody = OkBody<Contract['release']>;
export type PayloadChunkOkBody = OkBody<Contract['payloadChunk']>;
export type AdminAddOkBody = OkBody<Contract['admin']['add']>;
export type AdminRemoveOkBody = OkBody<Contract['admin']['remove']>;
export type AdminListOkBody = OkBody<Contract['admin']['list']>;
export type AdminEventsOkBody = OkBody<Contract['admin']['events']>;
export type AdminQueueOkBody = OkBody<Contract['admin']['queue']>;
export type AdminCredentialChangeOkBody = OkBody<Contract['admin']['restore']>;
export type AdminPolicySetOkBody = OkBody<Contract['admin']['policy']['set']>;
export type AdminPolicyGetOkBody = OkBody<Contract['admin']['policy']['get']>;

type AdminListInput = {
  kind?: string;
  status?: NonNullable<AdminListBody['status']>;
  includePayload?: boolean;
  limit?: number;
};

export type AdminEventsInput = {
  kind?: string;
  credentialId?: string;
  eventType?: EventType;
  category?: EventCategory;
  /** Inclusive lower bound on occurredAtMs. */
  fromMs?: number;
  /** Exclusive upper bound on occurredAtMs. */
  toMs?: number;
  limit?: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
};

export type AdminQueueInput = {
  kind?: string;
  /** Waiters per kind at most (default 100, max 500). */
  limit?: number;
};

/** A patch: an absent field is unchanged, null clears it. */
export type PolicyPatchInput = {
  kind: string;
  maxHoldMs?: number | null;
  maxLeasesPerRole?: { ci?: number | null; maintainer?: number | null } | null;
  maxLeasesPerOwner?: number | null;
  quarantineAfterBroken?: number | null;
  actorId?: string;
};

type LeaseRequest = { actorRole: ActorRole; kind: string; ownerId: string };
type HeldLeaseRequest = LeaseRequest & { credentialId: string; leaseToken: string };

/**
 * One typed call per route of the contract. Each resolves with the route's success body
 * (checked against the contract's schema) or rejects with a BrokerError.
 */
export interface BrokerRoutes {
  acquire(
    body: LeaseRequest & {
      leaseTtlMs?: number;
      heartbeatIntervalMs?: number;
      /** Queue under a ticket (broker-additions §1); old brokers ignore it. */
      wait?: WaitRequest;
    },
    opts?: CallOptions,
  ): Promise<AcquireOkBody>;
  heartbeat(
    body: HeldLeaseRequest & { leaseTtlMs?: number },
    opts?: CallOptions,
  ): Promise<HeartbeatOkBody>;
  release(
    body: HeldLeaseRequest & { outcome?: ReleaseOutcome; reason?: string },
    opts?: CallOptions,
  ): Promise<ReleaseOkBody>;
  payloadChunk(
    body: HeldLeaseRequest & { index: number },
    opts?: CallOptions,
  ): Promise<PayloadChunkOkBody>;
  adminAdd(
    body: {
      kind: string;
      payload: Record<string, unknown>;
      note?: string;
      actorId?: string;
      status?: CredentialStatus;
    },
    opts?: CallOptions,
  ): Promise<AdminAddOkBody>;
  adminRemove(
    body: { credentialId: string; actorId?: string },
    opts?: CallOptions,
  ): Promise<AdminRemoveOkBody>;
  adminList(body: AdminListInput, opts?: CallOptions): Promise<AdminListOkBody>;
  adminEvents(body: AdminEventsInput, opts?: CallOptions): Promise<AdminEventsOkBody>;
  adminQueue(body: AdminQueueInput, opts?: CallOptions): Promise<AdminQueueOkBody>;
  adminRestore(
    body: { credentialId: string; actorId?: string },
    opts?: CallOptions,
  ): Promise<AdminCredentialChangeOkBody>;
  adminQuarantine(
    body: { credentialId: string; reason?: string; actorId?: string },
    opts?: CallOptions,
  ): Promise<AdminCredentialChangeOkBody>;
  adminUpdate(
    body: {
      credentialId: string;
      payload?: Record<string, unknown>;
      /** "" clears the note. */
      note?: string;
      actorId?: string;
    },
    opts?: CallOptions,
  ): Promise<AdminCredentialChangeOkBody>;
  adminPolicySet(body: PolicyPatchInput, opts?: CallOptions): Promise<AdminPolicySetOkBody>;
  adminPolicyGet(body: { kind?: string }, opts?: CallOptions): Promise<AdminPolicyGetOkBody>;
}

export function createBrokerRoutes(options: BrokerRoutesOptions): BrokerRoutes {
  const clientArgs = (maxResponseBytes: number) => ({
    baseUrl: options.endpoint,
    api: createTransport({
      token: options.token,
      httpTimeoutMs: options.httpTimeoutMs,
      maxResponseBytes,
      fetch: options.fetch,
    }),
    validateResponse: false,
    throwOnUnknownStatus: false,
  });
  const api = initClient(brokerContract, clientArgs(RESPONSE_MAX_BYTES));
  const chunkApi = initClient(brokerContract, clientArgs(options.payloadMaxBytes));
  /** One route: send the body (with the caller's abort signal), then unwrap the answer. */
  const route =
    <B, R extends RouteWithOk>(
      contractRoute: R,
      send: (args: {
        body: B;
        fetchOptions: { signal?: AbortSignal };
      }) => Promise<TransportResponse>,
    ) =>
    async (body: B, opts?: CallOptions): Promise<OkBody<R>> =>
      unwrap(
        contractRoute,
        await send({ body, fetchOptions: opts?.signal ? { signal: opts.signal } : {} }),
      );

  return {
    acquire: route(brokerContract.acquire, api.acquire),
    heartbeat: route(brokerContract.heartbeat, api.heartbeat),
    release: route(brokerContract.release, api.release),
    payloadChunk: route(brokerContract.payloadChunk, chunkApi.payloadChunk),
    adminAdd: route(brokerContract.admin.add, api.admin.add),
    adminRemove: route(brokerContract.admin.remove, api.admin.remove),
    adminList: route(brokerContract.admin.list, api.admin.list),
    adminEvents: route(brokerContract.admin.events, api.admin.events),
    adminQueue: route(brokerContract.admin.queue, api.admin.queue),
    adminRestore: route(brokerContract.admin.restore, api.admin.restore),
    adminQuarantine: route(brokerContract.admin.quarantine, api.admin.quarantine),
    adminUpdate: route(brokerContract.admin.update, api.admin.update),
    adminPolicySet: route(brokerContract.admin.policy.set, api.admin.policy.set),
    adminPolicyGet: route(brokerContract.admin.policy.get, api.admin.policy.get),
  };
}

interface RouteWithOk {
  method: string;
  path: string;
  responses: { 200: z.ZodTypeAny };
}

/**
 * Turns an answer into the route's success body or a BrokerError. Like existing clients,
 * an error envelope wins whatever the HTTP status (the first broker sent 200 with one).
 */
function unwrap<R extends RouteWithOk>(route: R, response: TransportResponse): OkBody<R> {
  const where = `${route.method} ${route.path}`;
  const envelope = readErrorEnvelope(response.body);
  if (envelope) {
    throw new BrokerError(envelope.code, envelope.message, {
      httpStatus: response.status,
      retryAfterMs: envelope.retryAfterMs ?? retryAfterHeaderMs(response.headers),
      transient: effectiveStatusOf(envelope.code, response.status) >= 500,
      queue: envelope.queue,
    });
  }
  if (response.status !== 200) {
    throw new BrokerError(
      'INVALID_RESPONSE',
      `${where} answered HTTP ${response.status} without the broker's error envelope.`,
      { httpStatus: response.status, retryAfterMs: retryAfterHeaderMs(response.headers) },
    );
  }
  const parsed = route.responses[200].safeParse(response.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.join('.') || '(body)' : '(body)';
    throw new BrokerError(
      'INVALID_RESPONSE',
      `${where} answered 200 with a body that does not match the contract (field ${field}).`,
      { httpStatus: 200 },
    );
  }
  return parsed.data as OkBody<R>;
}

interface Envelope {
  code: BrokerErrorCode;
  message: string;
  retryAfterMs?: number;
  queue?: QueueStanding;
}

function readErrorEnvelope(body: unknown): Envelope | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (record.status !== 'error') return undefined;
  const rawCode = typeof record.code === 'string' ? record.code : '';
  const message =
    typeof record.message === 'string' && record.message ? record.message : 'Broker error.';
  const retryAfterMs =
    typeof record.retryAfterMs === 'number' &&
    Number.isInteger(record.retryAfterMs) &&
    record.retryAfterMs >= 0
      ? record.retryAfterMs
      : undefined;
  const code: BrokerErrorCode =
    isErrorCode(rawCode) || isPoolExhaustedCode(rawCode)
      ? (rawCode as BrokerErrorCode)
      : 'INVALID_RESPONSE';
  const shownMessage =
    code === 'INVALID_RESPONSE'
      ? `Broker answered an error code this client does not know (${rawCode.slice(0, 64) || 'none'}): ${message}`
      : message;
  const queue = isPoolExhaustedCode(code) ? queueStandingOf(record) : undefined;
  return {
    code,
    message: shownMessage,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(queue === undefined ? {} : { queue }),
  };
}

const isCount = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/**
 * The queue fields of a POOL_EXHAUSTED body. `waiting: true` counts only with the ticket
 * echoed back: that is what says the broker holds our place (the ticket itself is not kept).
 */
function queueStandingOf(record: Record<string, unknown>): QueueStanding | undefined {
  const waiting = record.waiting === true && typeof record.ticket === 'string';
  const position = isCount(record.position, 1) ? record.position : undefined;
  const queueLength = isCount(record.queueLength, 0) ? record.queueLength : undefined;
  if (!waiting && position === undefined && queueLength === undefined) return undefined;
  return {
    waiting,
    ...(position === undefined ? {} : { position }),
    ...(queueLength === undefined ? {} : { queueLength }),
  };
}

/** `Retry-After` in seconds (the only form the broker sends), as milliseconds. */
function retryAfterHeaderMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim()) * 1000;
}
