import type { CredentialRecord } from '@qa-broker/store';
import { parseStoredRecord, toCredentialRecord } from '../record.js';
import { replyArray, replyString } from '../reply.js';

/**
 * Parses the `{credentialId, recordJson, piece0, ...}` entries the read scripts return.
 * Entries without a record (an id whose add never completed) are dropped.
 */
export function parseCredentialEntries(
  reply: unknown,
  kind: string,
  includePayload: boolean,
  operation: string,
): CredentialRecord[] {
  const records: CredentialRecord[] = [];
  for (const entry of replyArray(reply, operation)) {
    const [id, json, ...pieces] = replyArray(entry, operation);
    if (json === undefined || json === null) continue;
    const stored = parseStoredRecord(replyString(json, operation));
    const credentialId = replyString(id, operation);
    const payload = includePayload
      ? pieces.map((piece) => replyString(piece, operation))
      : undefined;
    records.push(toCredentialRecord(credentialId, kind, stored, payload));
  }
  return records;
}
