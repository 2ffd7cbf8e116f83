import type { CredentialChangeResult } from '@qa-broker/store';
import { malformedReply } from '../errors.js';
import { parseStoredRecord, toCredentialRecord } from '../record.js';
import { replyInteger, replyStatus, replyString } from '../reply.js';

/**
 * The reply of restore-, quarantine- and update-credential: `{"ok", changed, recordJson}`
 * or `{"CREDENTIAL_NOT_FOUND"}`.
 */
export function parseCredentialChange(
  reply: unknown,
  credentialId: string,
  kind: string,
  operation: string,
): CredentialChangeResult {
  const { status, rest } = replyStatus(reply, operation);
  if (status === 'CREDENTIAL_NOT_FOUND') return { ok: false, code: status };
  if (status !== 'ok') throw malformedReply(operation);
  const changed = replyInteger(rest[0], operation) === 1;
  const stored = parseStoredRecord(replyString(rest[1], operation));
  return { ok: true, changed, credential: toCredentialRecord(credentialId, kind, stored) };
}
