import type { CredentialRecord, LeaseState, StoredPayload } from '@qa-broker/store';
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
  note?: string;
  lease?: StoredLease;
}

/**
 * A lease as stored. A queued grant (wait queue) remembers its `waiterId` and has no
 * `token` until it is delivered; a delivered ticket grant also keeps `sealedToken`.
 */
export type StoredLease = LeaseState & { token?: string; waiterId?: string; sealedToken?: string };

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

function parseLease(value: unknown): StoredLease | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw malformedReply('a record');
  const actorRole = text(value, 'actorRole');
  if (actorRole !== 'ci' && actorRole !== 'maintainer') throw malformedReply('a record');
  const token = optionalText(value, 'token');
  const waiterId = optionalText(value, 'waiterId');
  const sealedToken = optionalText(value, 'sealedToken');
  return {
    ownerId: text(value, 'ownerId'),
    actorRole,
    acquiredAtMs: integer(value, 'acquiredAtMs'),
    heartbeatAtMs: integer(value, 'heartbeatAtMs'),
    expiresAtMs: integer(value, 'expiresAtMs'),
    ...(token !== undefined ? { token } : {}),
    ...(waiterId !== undefined ? { waiterId } : {}),
    ...(sealedToken !== undefined ? { sealedToken } : {}),
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
  return {
    status,
    createdAtMs: integer(parsed, 'createdAtMs'),
    updatedAtMs: integer(parsed, 'updatedAtMs'),
    lastLeasedAtMs: integer(parsed, 'lastLeasedAtMs'),
    seq: integer(parsed, 'seq'),
    fence: integer(parsed, 'fence'),
    pieces: integer(parsed, 'pieces'),
    bytes: integer(parsed, 'bytes'),
    ...(note !== undefined ? { note } : {}),
    ...(lease ? { lease } : {}),
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
  if (pieces) {
    const payload: StoredPayload = { pieces, byteLength: stored.bytes };
    record.payload = payload;
  }
  return record;
}
