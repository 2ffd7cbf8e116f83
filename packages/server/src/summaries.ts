import type { CredentialSummary, LeaseSummary } from '@qa-broker/contract';
import type { CredentialRecord, LeaseState } from '@qa-broker/store';

/** Copies only the public lease fields, so nothing a store adds (a token) can leak. */
function leaseSummary(lease: LeaseState): LeaseSummary {
  return {
    ownerId: lease.ownerId,
    actorRole: lease.actorRole,
    acquiredAtMs: lease.acquiredAtMs,
    heartbeatAtMs: lease.heartbeatAtMs,
    expiresAtMs: lease.expiresAtMs,
  };
}

/** A record as the wire shows it: optional fields omitted, never null. */
export function credentialSummary(
  record: CredentialRecord,
  payload?: Record<string, unknown>,
): CredentialSummary {
  const summary: CredentialSummary = {
    credentialId: record.credentialId,
    kind: record.kind,
    status: record.status,
    createdAtMs: record.createdAtMs,
    updatedAtMs: record.updatedAtMs,
    lastLeasedAtMs: record.lastLeasedAtMs,
  };
  if (record.note) summary.note = record.note;
  if (record.lease) summary.lease = leaseSummary(record.lease);
  if (payload) summary.payload = payload;
  if (record.quarantine) {
    const { reason, reportedBy, actorRole, atMs } = record.quarantine;
    summary.quarantine = { ...(reason ? { reason } : {}), reportedBy, actorRole, atMs };
  }
  if (record.brokenReports) summary.brokenReports = record.brokenReports;
  return summary;
}
