import { z } from 'zod';
import { isErrorCode } from './codes.js';
import type { ErrorCode } from './codes.js';
import {
  ActorRoleSchema,
  bodyObject,
  jsonObject,
  optionalBoolean,
  optionalClearableString,
  optionalInteger,
  optionalIntegerInRange,
  optionalNonNegativeInteger,
  optionalObject,
  patchInteger,
  optionalOneOf,
  optionalPositiveInteger,
  optionalString,
  requiredString,
} from './fields.js';
import {
  ACTOR_ROLES,
  CREDENTIAL_STATUSES,
  HEALTH_POLICY,
  MAX_LENGTHS,
  WAIT_POLICY,
} from './policy.js';

// ---- Requests. Keys are in the order the spec checks them: the first failing key wins.

const kind = requiredString('kind', MAX_LENGTHS.kind);
const ownerId = requiredString('ownerId', MAX_LENGTHS.ownerId);
const credentialId = requiredString('credentialId', MAX_LENGTHS.credentialId);
const leaseToken = requiredString('leaseToken', MAX_LENGTHS.leaseToken);

/** The part of a lease-route body checked before the token's role is compared. */
export const LeaseActorSchema = bodyObject({ actorRole: ActorRoleSchema });

const { ticketLength } = WAIT_POLICY;
const TICKET_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{${ticketLength.min},${ticketLength.max}}$`);
const ticketMessage = `Expected "wait.ticket" to be ${ticketLength.min}–${ticketLength.max} characters of A–Z, a–z, 0–9, ".", "_", ":" or "-" (a random UUID fits).`;

/** acquire's `wait`: queue for the kind under a client-chosen ticket (broker-additions §1). */
export const WaitSchema = optionalObject('wait', {
  ticket: z
    .string({ required_error: ticketMessage, invalid_type_error: ticketMessage })
    .regex(TICKET_PATTERN, ticketMessage),
  maxWaitMs: optionalIntegerInRange(
    'wait.maxWaitMs',
    WAIT_POLICY.maxWaitMs.min,
    WAIT_POLICY.maxWaitMs.max,
  ),
  priority: optionalIntegerInRange(
    'wait.priority',
    WAIT_POLICY.priority.min,
    WAIT_POLICY.priority.max,
  ),
});
export type WaitRequest = NonNullable<z.infer<typeof WaitSchema>>;

export const AcquireBodySchema = bodyObject({
  actorRole: ActorRoleSchema,
  kind,
  ownerId,
  leaseTtlMs: optionalPositiveInteger('leaseTtlMs'),
  heartbeatIntervalMs: optionalPositiveInteger('heartbeatIntervalMs'),
  wait: WaitSchema,
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

export const RELEASE_OUTCOMES = ['ok', 'broken'] as const;
export type ReleaseOutcome = (typeof RELEASE_OUTCOMES)[number];

export const ReleaseBodySchema = bodyObject({
  actorRole: ActorRoleSchema,
  kind,
  ownerId,
  credentialId,
  leaseToken,
  /** "broken" reports the credential (spec additions §2); default "ok". */
  outcome: optionalOneOf('outcome', RELEASE_OUTCOMES, 'Expected "outcome" to be "ok" or "broken".'),
  /** Kept only with outcome "broken". */
  reason: optionalString('reason', MAX_LENGTHS.reason),
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

export const LEASE_EVENT_TYPES = ['acquire', 'acquire_failed', 'release', 'quarantine'] as const;
export const ADMIN_EVENT_TYPES = [
  'add',
  'disable',
  'disable_failed',
  'restore',
  'quarantine',
  'update',
  'policy',
] as const;
/** Every event type once ("quarantine" is both a lease and an admin event). */
export const EVENT_TYPES = [
  ...LEASE_EVENT_TYPES,
  ...ADMIN_EVENT_TYPES.filter(
    (type): type is Exclude<(typeof ADMIN_EVENT_TYPES)[number], 'quarantine'> =>
      type !== 'quarantine',
  ),
] as const;
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

/** admin/restore: clear a quarantine, reset broken reports, re-enable a disabled credential. */
export const AdminRestoreBodySchema = bodyObject({
  credentialId,
  actorId: optionalString('actorId', MAX_LENGTHS.actorId),
});
export type AdminRestoreBody = z.infer<typeof AdminRestoreBodySchema>;

/** admin/quarantine: never grant this credential again until restored. */
export const AdminQuarantineBodySchema = bodyObject({
  credentialId,
  reason: optionalString('reason', MAX_LENGTHS.reason),
  actorId: optionalString('actorId', MAX_LENGTHS.actorId),
});
export type AdminQuarantineBody = z.infer<typeof AdminQuarantineBodySchema>;

/**
 * admin/update: a new payload and/or note ("" clears the note). Unlike add, an empty
 * note is kept as the instruction to clear, so absent and "" differ.
 */
export const AdminUpdateBodySchema = bodyObject({
  credentialId,
  payload: jsonObject('Expected "payload" to be a JSON object.').optional(),
  note: optionalClearableString('note', MAX_LENGTHS.note),
  actorId: optionalString('actorId', MAX_LENGTHS.actorId),
});
export type AdminUpdateBody = z.infer<typeof AdminUpdateBodySchema>;

const { policy: POLICY_FLOORS } = HEALTH_POLICY;

/** admin/policy/set: a patch — an absent field is unchanged, null clears it. */
export const AdminPolicySetBodySchema = bodyObject({
  kind,
  maxHoldMs: patchInteger('maxHoldMs', POLICY_FLOORS.maxHoldMs),
  maxLeasesPerRole: z
    .object(
      {
        ci: patchInteger('maxLeasesPerRole.ci', POLICY_FLOORS.maxLeasesPerRole),
        maintainer: patchInteger('maxLeasesPerRole.maintainer', POLICY_FLOORS.maxLeasesPerRole),
      },
      {
        invalid_type_error:
          'Expected "maxLeasesPerRole" to be an object such as {"ci": 2}, or null.',
      },
    )
    .strict('Expected "maxLeasesPerRole" to have only "ci" and "maintainer".')
    .nullable()
    .optional(),
  maxLeasesPerOwner: patchInteger('maxLeasesPerOwner', POLICY_FLOORS.maxLeasesPerOwner),
  quarantineAfterBroken: patchInteger('quarantineAfterBroken', POLICY_FLOORS.quarantineAfterBroken),
  actorId: optionalString('actorId', MAX_LENGTHS.actorId),
});
export type AdminPolicySetBody = z.infer<typeof AdminPolicySetBodySchema>;

export const AdminPolicyGetBodySchema = bodyObject({
  kind: optionalString('kind', MAX_LENGTHS.kind),
});
export type AdminPolicyGetBody = z.infer<typeof AdminPolicyGetBodySchema>;

/** admin/queue: each kind's waiters in queue order (tickets only as fingerprints). */
export const AdminQueueBodySchema = bodyObject({
  kind: optionalString('kind', MAX_LENGTHS.kind),
  limit: optionalInteger('limit'),
});
export type AdminQueueBody = z.infer<typeof AdminQueueBodySchema>;

// ---- Responses.

export const ErrorBodySchema = z.object({
  status: z.literal('error'),
  code: z.string().refine((code): code is ErrorCode => isErrorCode(code)),
  message: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** POOL_EXHAUSTED for a queued request: still waiting, re-ask with the same ticket. */
  waiting: z.boolean().optional(),
  ticket: z.string().optional(),
  /** 1 = next in line. */
  position: z.number().int().positive().optional(),
  queueLength: z.number().int().nonnegative().optional(),
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
  /** When the kind's maxHoldMs caps this lease: it never lasts past this instant. */
  maxExpiresAtMs: z.number().int().optional(),
  /** With `wait` only: the ticket this lease was granted to. */
  ticket: z.string().optional(),
  /** With `wait` only: from the ticket's first request to the grant, on the store's clock. */
  waitedMs: z.number().int().nonnegative().optional(),
});
export type AcquireOk = z.infer<typeof AcquireOkSchema>;

export const HeartbeatOkSchema = z.object({
  status: z.literal('ok'),
  expiresAtMs: z.number().int(),
  /** When the kind's maxHoldMs caps this lease. */
  maxExpiresAtMs: z.number().int().optional(),
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

export const QuarantineSchema = z.object({
  reason: z.string().optional(),
  /** The holder's ownerId (a broken release) or the maintainer's actorId (admin/quarantine). */
  reportedBy: z.string(),
  actorRole: z.enum(ACTOR_ROLES),
  atMs: z.number().int(),
});
export type Quarantine = z.infer<typeof QuarantineSchema>;

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
  /** Present while quarantined: never granted until restored. */
  quarantine: QuarantineSchema.optional(),
  /** Consecutive broken reports, when > 0. */
  brokenReports: z.number().int().positive().optional(),
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
/** admin/restore, admin/quarantine, admin/update. */
export const AdminCredentialChangeOkSchema = z.object({
  status: z.literal('ok'),
  changed: z.boolean(),
  credential: CredentialSummarySchema,
});

export const KindPolicySchema = z.object({
  kind: z.string(),
  updatedAtMs: z.number().int(),
  maxHoldMs: z.number().int().optional(),
  maxLeasesPerRole: z
    .object({ ci: z.number().int().optional(), maintainer: z.number().int().optional() })
    .optional(),
  maxLeasesPerOwner: z.number().int().optional(),
  quarantineAfterBroken: z.number().int().optional(),
});
export type KindPolicy = z.infer<typeof KindPolicySchema>;

export const AdminPolicySetOkSchema = z.object({
  status: z.literal('ok'),
  policy: KindPolicySchema,
});
export const AdminPolicyGetOkSchema = z.object({
  status: z.literal('ok'),
  policies: z.array(KindPolicySchema),
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

export const WAITER_MODES = ['parked', 'polling', 'reserved'] as const;
export type WaiterMode = (typeof WAITER_MODES)[number];

export const QueueWaiterSchema = z.object({
  position: z.number().int().positive(),
  /** `sha256:` + the first 16 hex digits of SHA-256(ticket); never the ticket. */
  ticketFingerprint: z.string(),
  ownerId: z.string(),
  actorRole: z.enum(ACTOR_ROLES),
  priority: z.number().int(),
  waitedMs: z.number().int().nonnegative(),
  mode: z.enum(WAITER_MODES),
});
export type QueueWaiter = z.infer<typeof QueueWaiterSchema>;

export const AdminQueueOkSchema = z.object({
  status: z.literal('ok'),
  queues: z.array(z.object({ kind: z.string(), waiters: z.array(QueueWaiterSchema) })),
});
export type AdminQueueOk = z.infer<typeof AdminQueueOkSchema>;
