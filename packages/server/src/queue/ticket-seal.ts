import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What the broker derives from a wait ticket. The ticket itself is a secret the client
 * keeps: stores only ever see `ticketIdOf(ticket)`, and the token of a queued grant is
 * kept sealed under a key only a holder of the ticket can derive, so any broker given the
 * same ticket can return the same lease, and a store dump reveals neither.
 */

/** The waiter's identity in the store: SHA-256 of the ticket, hex. */
export function ticketIdOf(ticket: string): string {
  return createHash('sha256').update(ticket, 'utf8').digest('hex');
}

/** What admin/queue and logs show instead of a ticket: `sha256:` + 16 hex digits. */
export function fingerprintOfTicketId(ticketId: string): string {
  return `sha256:${ticketId.slice(0, 16)}`;
}

/** Old clients' implicit places have no ticket: their key is fingerprinted the same way. */
export function fingerprintOfWaiter(waiterId: string, explicit: boolean): string {
  return fingerprintOfTicketId(explicit ? waiterId : ticketIdOf(waiterId));
}

const SEAL_INFO = Buffer.from('qa-broker queued lease token v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * HKDF over the ticket, not its SHA-256: the store holds the hash, so a key derived from
 * the hash would be readable from a dump.
 */
function sealKey(ticket: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(ticket, 'utf8'), SEAL_INFO, SEAL_INFO, 32));
}

/** AES-256-GCM: base64url of iv ‖ ciphertext ‖ tag. */
export function sealToken(ticket: string, leaseToken: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealKey(ticket), iv);
  const sealed = Buffer.concat([cipher.update(leaseToken, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** Throws when the sealed token was not made with this ticket or was altered. */
export function unsealToken(ticket: string, sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw new Error('sealed lease token is too short');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(ticket), bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
