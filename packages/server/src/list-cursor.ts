import type { CredentialRecord, ListPosition } from '@qa-broker/store';

/**
 * admin/list cursors: the last listed credential's place in list order (kind, status,
 * updatedAtMs, id), as base64url JSON. Opaque to callers; a position, not an offset, so
 * credentials added or changed between pages never make a page repeat or skip the rest.
 */
export function encodeListCursor(record: CredentialRecord): string {
  const position = [record.kind, record.status, record.updatedAtMs, record.credentialId];
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this server issued. */
export function decodeListCursor(cursor: string): ListPosition | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) return undefined;
  const [kind, status, updatedAtMs, credentialId] = decoded as unknown[];
  if (
    typeof kind !== 'string' ||
    (status !== 'active' && status !== 'disabled') ||
    typeof updatedAtMs !== 'number' ||
    !Number.isSafeInteger(updatedAtMs) ||
    typeof credentialId !== 'string'
  ) {
    return undefined;
  }
  return { kind, status, updatedAtMs, credentialId };
}
