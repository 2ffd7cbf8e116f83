import { z } from 'zod';
import { isErrorCode } from './codes.js';
import type { ErrorCode } from './codes.js';
import {
  ActorRoleSchema,
  bodyObject,
  jsonObject,
  optionalBoolean,
  optionalNonNegativeInteger,
  optionalOneOf,
  optionalPositiveInteger,
  optionalString,
  requiredString,
} from './fields.js';
import { ACTOR_ROLES, CREDENTIAL_STATUSES, MAX_LENGTHS } from './policy.js';

// ---- Requests. Keys are in the order the spec checks them: the first failing key wins.

const kind = requiredString('kind', MAX_LENGTHS.kind);
const ownerId = requiredString('ownerId', MAX_LENGTHS.ownerId);
const credentialId = requiredString('credentialId', MAX_LENGTHS.credentialId);
const leaseToken = requiredString('leaseToken', MAX_LENGTHS.leaseToken);

/** The part of a lease-route body checked before the token's role is compared. */
export const LeaseActorSchema = bodyObject({ actorRole: ActorRoleSchema });

export const AcquireBodySchema = bodyObject({
  actorRole: ActorRoleSchema,
  kind,
  ownerId,
  leaseTtlMs: optionalPositiveInteger('leaseTtlMs'),
  heartbeatIntervalMs: optionalPositiveInteger('heartbeatIntervalMs'),
});
export type AcquireBody = z.infer<typeof AcquireBodySchema>;

export const HeartbeatBodySchema = bodyObject({
  actorRole: ActorRoleSchema,
  kind,
  ownerId,
  credentialId,
  leaseToken,
  leaseTtlMs: optionalPositiveInteger('leaseTtlMs'),
});
export type HeartbeatBody = z.infer<typeof HeartbeatBodySchema>;

export const ReleaseBodySchema = bodyObject({
  actorRole: ActorRoleSchema,
  kind,
  ownerId,
  credentialId,
  leaseToken,
});
export type ReleaseBody = z.infer<typeof ReleaseBodySchema>;

export const PayloadChunkBodySchema = bodyObject({
  actorRole: ActorRoleSchema,
  kind,
  ownerId,
  credentialId,
  leaseToken,
  index: optionalNonNegativeInteger('index'),
});
export type PayloadChunkBody = z.infer<typeof PayloadChunkBodySchema>;

export const AdminAddBodySchema = bodyObject({
  kind,
  payload: jsonObject('Expected "payload" to be a JSON object.'),
  note: optionalString('note', MAX_LENGTHS.note),
  actorId: optionalString('actorId', MAX_LENGTHS.actorId),
  status: optionalOneOf(
    'status',
    CREDENTIAL_STATUSES,
    'Expected "status" to be "active" or "disabled".',
  ),
});
export type AdminAddBody = z.infer<typeof AdminAddBodySchema>;

export const AdminRemoveBodySchema = bodyObject({
  credentialId,
  actorId: optionalString('actorId', MAX_LENGTHS.actorId),
});
export type AdminRemoveBody = z.infer<typeof AdminRemoveBodySchema>;

/** List cursors encode one list position; this only bounds hostile input. */
export const LIST_CURSOR_MAX_LENGTH = 1_024;

export const LIST_STATUSES = ['active', 'disabled', 'all'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

export const AdminListBodySchema = bodyObject({
  kind: optionalString('kind', MAX_LENGTHS.kind),
  status: optionalOneOf(
    'status',
    LIST_STATUSES,
    'Expected "status" to be "active", "disabled", or "all".',
  ),
  includePayload: optionalBoolean('includePayload'),
  limit: optionalPositiveInteger('limit'),
  /** The `nextCursor` of a previous page with the same filter (spec additions, section 4). */
  cursor: optionalString('cursor', LIST_CURSOR_MAX_LENGTH),
});
export type AdminListBody = z.infer<typeof AdminListBodySchema>;

export const LEASE_EVENT_TYPES = ['acquire', 'acquire_failed', 'release'] as const;
export const ADMIN_EVENT_TYPES = ['add', 'disable', 'disable_failed'] as const;
export const EVENT_TYPES = [...LEASE_EVENT_TYPES, ...ADMIN_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const EVENT_CATEGORIES = ['lease', 'admin'] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];
/** Store cursors are short (a position in an event log); this only bounds hostile input. */
export const EVENT_CURSOR_MAX_LENGTH = 512;

/** admin/events (we): lease and admin events, filtered, oldest first, paged by cursor. */
export const AdminEventsBodySchema = bodyObject({
  kind: optionalString('kind', MAX_LENGTHS.kind),
  credentialId: optionalString('credentialId', MAX_LENGTHS.credentialId),
  eventType: optionalOneOf(
    'eventType',
    EVENT_TYPES,
    `Expected "eventType" to be one of ${EVENT_TYPES.map((type) => `"${type}"`).join(', ')}.`,
  ),
  category: optionalOneOf(
    'category',
    EVENT_CATEGORIES,
    'Expected "category" to be "lease" or "admin".',
  ),
  /** Inclusive lower bound on occurredAtMs. */
  fromMs: optionalNonNegativeInteger('fromMs'),
  /** Exclusive upper bound on occurredAtMs. */
  toMs: optionalNonNegativeInteger('toMs'),
  limit: optionalPositiveInteger('limit'),
  cursor: optionalString('cursor', EVENT_CURSOR_MAX_LENGTH),
});
export type AdminEventsBody = z.infer<typeof AdminEventsBodySchema>;

// ---- Responses.

export const ErrorBodySchema = z.object({
  status: z.literal('error'),
  code: z.string().refine((code): code is ErrorCode => isErrorCode(code)),
  message: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const PayloadSchema = z.record(z.string(), z.unknown());

export const AcquireOkSchema = z.object({
  status: z.literal('ok'),
  credentialId: z.string(),
  leaseToken: z.string(),
  payload: PayloadSchema,
  leaseTtlMs: z.number().int(),
  heartbeatIntervalMs: z.number().int(),
  expiresAtMs: z.number().int(),
  fencingToken: z.number().int().positive(),
});
export type AcquireOk = z.infer<typeof AcquireOkSchema>;

export const HeartbeatOkSchema = z.object({
  status: z.literal('ok'),
  expiresAtMs: z.number().int(),
});
export const ReleaseOkSchema = z.object({ status: z.literal('ok') });
export const PayloadChunkOkSchema = z.object({
  status: z.literal('ok'),
  data: z.string(),
  index: z.number().int().nonnegative(),
});

export const LeaseSummarySchema = z.object({
  ownerId: z.string(),
  actorRole: z.enum(ACTOR_ROLES),
  acquiredAtMs: z.number().int(),
  heartbeatAtMs: z.number().int(),
  expiresAtMs: z.number().int(),
});
export type LeaseSummary = z.infer<typeof LeaseSummarySchema>;

export const CredentialSummarySchema = z.object({
  credentialId: z.string(),
  kind: z.string(),
  status: z.enum(CREDENTIAL_STATUSES),
  createdAtMs: z.number().int(),
  updatedAtMs: z.number().int(),
  lastLeasedAtMs: z.number().int(),
  note: z.string().optional(),
  lease: LeaseSummarySchema.optional(),
  payload: PayloadSchema.optional(),
});
export type CredentialSummary = z.infer<typeof CredentialSummarySchema>;

export const AdminAddOkSchema = z.object({
  status: z.literal('ok'),
  credential: CredentialSummarySchema,
});
export const AdminRemoveOkSchema = z.object({
  status: z.literal('ok'),
  changed: z.boolean(),
  credential: CredentialSummarySchema,
});
export const AdminListOkSchema = z.object({
  status: z.literal('ok'),
  credentials: z.array(CredentialSummarySchema),
  count: z.number().int().nonnegative(),
  /** Pass back as `cursor` for the next page; present only when more remain. */
  nextCursor: z.string().optional(),
});

const eventCommon = {
  eventId: z.string(),
  occurredAtMs: z.number().int(),
  credentialId: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
};

/** A lease event as the spec's Events section lists it, plus `eventId` and `category`. */
export const LeaseEventSchema = z.object({
  category: z.literal('lease'),
  eventType: z.enum(LEASE_EVENT_TYPES),
  kind: z.string(),
  actorRole: z.enum(ACTOR_ROLES),
  ownerId: z.string(),
  ...eventCommon,
});
export type LeaseEvent = z.infer<typeof LeaseEventSchema>;

export const AdminEventSchema = z.object({
  category: z.literal('admin'),
  eventType: z.enum(ADMIN_EVENT_TYPES),
  actorRole: z.literal('maintainer'),
  actorId: z.string(),
  kind: z.string().optional(),
  ...eventCommon,
});
export type AdminEvent = z.infer<typeof AdminEventSchema>;

/** Never a payload or a token: events carry neither. */
export const BrokerEventSchema = z.discriminatedUnion('category', [
  LeaseEventSchema,
  AdminEventSchema,
]);
export type BrokerEvent = z.infer<typeof BrokerEventSchema>;

export const AdminEventsOkSchema = z.object({
  status: z.literal('ok'),
  events: z.array(BrokerEventSchema),
  count: z.number().int().nonnegative(),
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});
