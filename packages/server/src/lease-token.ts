import { randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe: far above the 122 bits the spec asks for. */
export function newLeaseToken(): string {
  return randomBytes(32).toString('base64url');
}
