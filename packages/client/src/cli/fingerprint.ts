import { createHash } from 'node:crypto';

/** `sha256:` + the first 16 hex of sha256(credentialId): short, stable, safe to paste. */
export function credentialFingerprint(credentialId: string): string {
  return `sha256:${createHash('sha256').update(credentialId, 'utf8').digest('hex').slice(0, 16)}`;
}
