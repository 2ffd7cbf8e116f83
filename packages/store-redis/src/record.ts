import type {
  CredentialRecord,
  LeaseState,
  QuarantineState,
  StoredPayload,
} from '@qa-broker/store';
import { malformedReply } from './errors.js';

/**
 * The record a script stores as JSON in the kind's credential hash. Id and kind live in
 * the key and field, not in the JSON; `token`, `waiterId` and `sealedToken` never leave
 * this package.
 */
export interface StoredRecord {
  status: 'active' | 'disabled';
  createdAtMs: number;
  updatedAtMs: number;
  lastLeasedAtMs: number;
  seq: number;
  fence: number;
  pieces: number;
  bytes: number;
  /** Payload version (admin/update); absent = 0, the version the add wrote. */
  pv?: number;
  note?: string;
  lease?: StoredLease;
  quarantine?: QuarantineState;
  brokenReports?: number;
}

/**
 * A lease as stored. A queued grant (wait queue) remembers its `waiterId` and has no
 * `token` until it is delivered; a delivered ticket grant also keeps `sealedToken`. A
 * lease held across an admin/update keeps the version it was granted in `payload`.
 */
export type StoredLease = LeaseState & {
  token?: string;
  waiterId?: string;
  sealedToken?: string;
  payload?: PinnedPayload;
};

/** The payload version a lease was granted, kept while it lasts (update-credential.lua). */
export interface PinnedPayload {
  v: number;
  pieces: number;
  bytes: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(object: Json, field: string): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw malformedReply('a record');
  return value;
}

function text(object: Json, field: string): string {
  const value = object[field];
  if (typeof value !== 'string') throw malformedReply('a record');
  return value;
}

function optionalText(object: Json, field: string): string | undefined {
  const value = object[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedReply('a record');
  return value;
}

function optionalInteger(object: Json, field: string): number | undefined {
  return object[field] === undefined ? undefined : integer(object, field);
}

function parsePinned(value: unknown): PinnedPayload | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw malformedReply('a record');
  return {
    v: integer(value, 'v'),
    pieces: integer(value, 'pieces'),
    bytes: integer(value, 'bytes'),
  };
}

function parseQuarantine(value: unknown): QuarantineState | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw malformedReply('a record');
  const actorRole = text(value, 'actorRole');
  if (actorRole !== 'ci' && actorRole !== 'maintainer') throw malformedReply('a record');
  const reason = optionalText(value, 'reason');
  return {
    ...(reason !== undefined ? { reason } : {}),
    reportedBy: text(value, 'reportedBy'),
    actorRole,
    atMs: integer(value, 'atMs'),
  };
}

function parseLease(value: unknown): StoredLease | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw malformedReply('a record');
  const actorRole = text(value, 'actorRole');
  if (actorRole !== 'ci' && actorRole !== 'maintainer') throw malformedReply('a record');
  const token = optionalText(value, 'token');
  const waiterId = optionalText(value, 'waiterId');
  const sealedToken = optionalText(value, 'sealedToken');
  const payload = parsePinned(value.payload);
  return {
    ownerId: text(value, 'ownerId'),
    actorRole,
    acquiredAtMs: integer(value, 'acquiredAtMs'),
    heartbeatAtMs: integer(value, 'heartbeatAtMs'),
    expiresAtMs: integer(value, 'expiresAtMs'),
    ...(token !== undefined ? { token } : {}),
    ...(waiterId !== undefined ? { waiterId } : {}),
    ...(sealedToken !== undefined ? { sealedToken } : {}),
    ...(payload ? { payload } : {}),
  };
}

export function parseStoredRecord(json: string): StoredRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw malformedReply('a record');
  }
  if (!isObject(parsed)) throw malformedReply('a record');
  const status = text(parsed, 'status');
  if (status !== 'active' && status !== 'disabled') throw malformedReply('a record');
  const note = parsed.note;
  if (note !== undefined && typeof note !== 'string') throw malformedReply('a record');
  const lease = parseLease(parsed.lease);
  const quarantine = parseQuarantine(parsed.quarantine);
  const pv = optionalInteger(parsed, 'pv');
  const brokenReports = optionalInteger(parsed, 'brokenReports');
  return {
    status,
    createdAtMs: integer(parsed, 'createdAtMs'),
    updatedAtMs: integer(parsed, 'updatedAtMs'),
    lastLeasedAtMs: integer(parsed, 'lastLeasedAtMs'),
    seq: integer(parsed, 'seq'),
    fence: integer(parsed, 'fence'),
    pieces: integer(parsed, 'pieces'),
    bytes: integer(parsed, 'bytes'),
    ...(pv !== undefined ? { pv } : {}),
    ...(note !== undefined ? { note } : {}),
    ...(lease ? { lease } : {}),
    ...(quarantine ? { quarantine } : {}),
    ...(brokenReports !== undefined ? { brokenReports } : {}),
  };
}

/** The domain view: optional fields are omitted, never undefined; the token is dropped. */
export function toCredentialRecord(
  credentialId: string,
  kind: string,
  stored: StoredRecord,
  pieces?: string[],
): CredentialRecord {
  const record: CredentialRecord = {
    credentialId,
    kind,
    status: stored.status,
    createdAtMs: stored.createdAtMs,
    updatedAtMs: stored.updatedAtMs,
    lastLeasedAtMs: stored.lastLeasedAtMs,
  };
  if (stored.note !== undefined) record.note = stored.note;
  if (stored.lease) {
    const { ownerId, actorRole, acquiredAtMs, heartbeatAtMs, expiresAtMs } = stored.lease;
    record.lease = { ownerId, actorRole, acquiredAtMs, heartbeatAtMs, expiresAtMs };
  }
  if (stored.quarantine) record.quarantine = { ...stored.quarantine };
  if (stored.brokenReports !== undefined && stored.brokenReports > 0) {
    record.brokenReports = stored.brokenReports;
  }
  if (pieces) {
    const payload: StoredPayload = { pieces, byteLength: stored.bytes };
    record.payload = payload;
  }
  return record;
}
