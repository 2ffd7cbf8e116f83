import type { z } from 'zod';
import { isErrorCode } from './codes.js';
import type { ErrorCode } from './codes.js';
import { PAYLOAD_TOO_DEEP_MESSAGE, nestedDeeperThan, validatePayload } from './payloads.js';
import type { LeaseBounds } from './policy.js';
import { DEFAULT_LEASE_BOUNDS, POLICY } from './policy.js';
import type { AdminAddBody, AdminUpdateBody } from './schemas.js';
import { AdminAddBodySchema, AdminUpdateBodySchema } from './schemas.js';

export interface BodyFailure {
  ok: false;
  code: ErrorCode;
  message: string;
}
export type BodyResult<T> = { ok: true; value: T } | BodyFailure;

function failure(code: ErrorCode, message: string): BodyFailure {
  return { ok: false, code, message };
}

/** The first issue decides, so checks happen in the order the schema lists its keys. */
export function firstIssue(error: z.ZodError): BodyFailure {
  const issue = error.issues[0];
  if (!issue) return failure('INVALID_BODY', 'Request body is invalid.');
  const params =
    issue.code === 'custom' ? (issue.params as { brokerCode?: unknown } | undefined) : undefined;
  const code = params && isErrorCode(params.brokerCode) ? params.brokerCode : 'INVALID_BODY';
  return failure(code, issue.message);
}

export function parseBody<S extends z.ZodTypeAny>(
  schema: S,
  body: unknown,
): BodyResult<z.output<S>> {
  const result = schema.safeParse(body);
  return result.success
    ? { ok: true, value: result.data as z.output<S> }
    : firstIssue(result.error);
}

/**
 * admin/add checks `kind`, then `payload` as an object, then its depth (at most 64 levels),
 * then the payload against its kind, and only then `note`, `actorId` and `status`.
 */
export function parseAdminAddBody(body: unknown): BodyResult<AdminAddBody> {
  const result = AdminAddBodySchema.safeParse(body);
  const issue = result.success ? undefined : result.error.issues[0];
  if (
    issue &&
    (issue.path.length === 0 || issue.path[0] === 'kind' || issue.path[0] === 'payload')
  ) {
    return firstIssue(result.error!);
  }
  const { kind, payload } = body as { kind: string; payload: Record<string, unknown> };
  if (nestedDeeperThan(payload, POLICY.payloadMaxDepth)) {
    return failure('INVALID_PAYLOAD', PAYLOAD_TOO_DEEP_MESSAGE);
  }
  const checked = validatePayload(kind.trim(), payload);
  if (!checked.ok) return failure('INVALID_PAYLOAD', checked.message);
  if (!result.success) return firstIssue(result.error);
  return { ok: true, value: { ...result.data, payload: checked.payload } };
}

/**
 * admin/update's body checks: its fields, the payload's depth, and that it changes
 * something. Per-kind validation comes later, once the credential (and so its kind) is
 * known to exist.
 */
export function parseAdminUpdateBody(body: unknown): BodyResult<AdminUpdateBody> {
  const parsed = parseBody(AdminUpdateBodySchema, body);
  if (!parsed.ok) return parsed;
  const { payload, note } = parsed.value;
  if (payload !== undefined && nestedDeeperThan(payload, POLICY.payloadMaxDepth)) {
    return failure('INVALID_PAYLOAD', PAYLOAD_TOO_DEEP_MESSAGE);
  }
  if (payload === undefined && note === undefined) {
    return failure('INVALID_BODY', 'Send "payload", "note" or both: there is nothing to update.');
  }
  return parsed;
}

function outOfRange(name: string, bounds: { min: number; max: number }): string {
  return `${name} must be between ${bounds.min} and ${bounds.max}.`;
}

/** Range checks run after every field check; the message names the bounds in force. */
export function checkLeaseTtl(
  value: number | undefined,
  bounds: LeaseBounds = DEFAULT_LEASE_BOUNDS,
): BodyResult<number> {
  const ttl = value ?? bounds.leaseTtlMs.default;
  if (ttl < bounds.leaseTtlMs.min || ttl > bounds.leaseTtlMs.max) {
    return failure('INVALID_LEASE_TTL', outOfRange('leaseTtlMs', bounds.leaseTtlMs));
  }
  return { ok: true, value: ttl };
}

export function checkHeartbeatInterval(
  value: number | undefined,
  bounds: LeaseBounds = DEFAULT_LEASE_BOUNDS,
): BodyResult<number> {
  const interval = value ?? bounds.heartbeatIntervalMs.default;
  if (interval < bounds.heartbeatIntervalMs.min || interval > bounds.heartbeatIntervalMs.max) {
    return failure(
      'INVALID_HEARTBEAT_INTERVAL',
      outOfRange('heartbeatIntervalMs', bounds.heartbeatIntervalMs),
    );
  }
  return { ok: true, value: interval };
}

export function checkListLimit(value: number | undefined): BodyResult<number> {
  const limit = value ?? POLICY.listLimit.default;
  if (limit < POLICY.listLimit.min || limit > POLICY.listLimit.max) {
    return failure('INVALID_LIST_LIMIT', outOfRange('limit', POLICY.listLimit));
  }
  return { ok: true, value: limit };
}
