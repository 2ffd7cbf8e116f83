import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe: far above the 122 bits the spec asks for. */
export function newLeaseToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the store keeps and compares in place of a lease token: its SHA-256, base64url.
 * Only the holder ever sees the token itself, so a dump of the store (or a backup) cannot
 * be used to heartbeat, release or read the payload of someone else's lease. A hash
 * without salt is enough: the token is 256 random bits, nothing to guess.
 */
export function storedLeaseToken(leaseToken: string): string {
  return createHash('sha256').update(leaseToken, 'utf8').digest('base64url');
}
