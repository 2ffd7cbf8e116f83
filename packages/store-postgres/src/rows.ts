import type { ActorRole, CredentialStatus } from '@qa-broker/contract';
import type { CredentialRecord } from '@qa-broker/store';

/** The record columns every credential-returning query selects (see RECORD_COLUMNS). */
export interface CredentialRow {
  credential_id: string;
  kind: string;
  status: string;
  note: string | null;
  created_at_ms: unknown;
  updated_at_ms: unknown;
  last_leased_at_ms: unknown;
  lease_owner_id: string | null;
  lease_actor_role: string | null;
  lease_acquired_at_ms: unknown;
  lease_heartbeat_at_ms: unknown;
  lease_expires_at_ms: unknown;
  quarantine_reason: string | null;
  quarantine_reported_by: string | null;
  quarantine_actor_role: string | null;
  quarantine_at_ms: unknown;
  broken_reports: number;
  payload_pieces?: string[] | null;
  payload_byte_length?: unknown;
}

/** Columns of CredentialRow without the payload; `alias` qualifies them (e.g. "c."). */
export function recordColumns(alias = ''): string {
  return [
    'credential_id',
    'kind',
    'status',
    'note',
    'created_at_ms',
    'updated_at_ms',
    'last_leased_at_ms',
    'lease_owner_id',
    'lease_actor_role',
    'lease_acquired_at_ms',
    'lease_heartbeat_at_ms',
    'lease_expires_at_ms',
    'quarantine_reason',
    'quarantine_reported_by',
    'quarantine_actor_role',
    'quarantine_at_ms',
    'broken_reports',
  ]
    .map((column) => `${alias}${column}`)
    .join(', ');
}

/**
 * bigint columns arrive as strings from pg and as numbers from PGlite; every time here is
 * a millisecond count well inside Number's safe range.
 */
export function toNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw new TypeError('Expected an integer column value.');
  return number;
}

export function toRecord(row: CredentialRow): CredentialRecord {
  const record: CredentialRecord = {
    credentialId: row.credential_id,
    kind: row.kind,
    status: row.status as CredentialStatus,
    createdAtMs: toNumber(row.created_at_ms),
    updatedAtMs: toNumber(row.updated_at_ms),
    lastLeasedAtMs: toNumber(row.last_leased_at_ms),
  };
  if (row.note !== null) record.note = row.note;
  if (row.lease_owner_id !== null) {
    record.lease = {
      ownerId: row.lease_owner_id,
      actorRole: row.lease_actor_role as ActorRole,
      acquiredAtMs: toNumber(row.lease_acquired_at_ms),
      heartbeatAtMs: toNumber(row.lease_heartbeat_at_ms),
      expiresAtMs: toNumber(row.lease_expires_at_ms),
    };
  }
  if (row.quarantine_reported_by !== null) {
    record.quarantine = {
      ...(row.quarantine_reason !== null ? { reason: row.quarantine_reason } : {}),
      reportedBy: row.quarantine_reported_by,
      actorRole: row.quarantine_actor_role as ActorRole,
      atMs: toNumber(row.quarantine_at_ms),
    };
  }
  if (row.broken_reports > 0) record.brokenReports = row.broken_reports;
  if (row.payload_pieces) {
    record.payload = { pieces: row.payload_pieces, byteLength: toNumber(row.payload_byte_length) };
  }
  return record;
}
