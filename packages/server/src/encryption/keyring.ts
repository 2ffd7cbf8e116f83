import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PieceContext } from '../payload-codec.js';

/**
 * AES-256-GCM for payload pieces at rest. The first key seals; every key opens, so keys
 * rotate without downtime. Each piece is bound to its credential and position through
 * the associated data, so a ciphertext copied to another record or another position fails
 * to open instead of decrypting to someone else's secret.
 *
 * A sealed piece is `qbe1:<keyId>:<nonce>:<ciphertext+tag>` (base64url parts).
 */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export const SEALED_FORMAT = 'qbe1';
const SEALED_PREFIX = `${SEALED_FORMAT}:`;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Standard or URL-safe base64 of exactly 32 bytes, padding optional. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** A bad `QA_BROKER_ENCRYPTION_KEYS` value; the message names the variable, never a key. */
export class EncryptionKeysError extends Error {
  override readonly name = 'EncryptionKeysError';
  readonly code = 'ENCRYPTION_KEYS_INVALID';
}

/** A sealed piece that cannot be opened: wrong or missing key, tampered, moved or truncated. */
export class SealedPieceError extends Error {
  override readonly name = 'SealedPieceError';
  readonly code = 'PAYLOAD_UNREADABLE';
}

/**
 * Parses `id:base64key[,id:base64key…]`. `source` names where the value came from, so the
 * error says what to fix; the key material itself never appears in a message.
 */
export function parseEncryptionKeys(value: string, source: string): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new EncryptionKeysError(`${source} is set but holds no key.`);
  const seen = new Set<string>();
  return entries.map((entry, position) => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    if (!KEY_ID.test(id)) {
      throw new EncryptionKeysError(
        `${source} entry ${position + 1} must look like <id>:<base64 32-byte key>, with an id of 1-32 letters, digits, _ or -.`,
      );
    }
    if (seen.has(id)) throw new EncryptionKeysError(`${source} names key id "${id}" twice.`);
    seen.add(id);
    const encoded = entry.slice(separator + 1).trim();
    // Buffer.from(…, 'base64') skips characters it does not know, so check the text first.
    const key = BASE64_KEY.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (key?.length !== KEY_BYTES) {
      throw new EncryptionKeysError(
        `${source} key "${id}" must be 32 bytes in base64 (generate one with: openssl rand -base64 32).`,
      );
    }
    return { id, key };
  });
}

/**
 * The associated data: format, credential and index, JSON-encoded so no credential id can
 * be crafted to collide with another (id, index) pair.
 */
function associatedData({ credentialId, index }: PieceContext): Buffer {
  return Buffer.from(JSON.stringify([SEALED_FORMAT, credentialId, index]), 'utf8');
}

/** True for a piece in the sealed format (anything else is a plaintext piece). */
export function isSealedPiece(piece: string): boolean {
  return piece.startsWith(SEALED_PREFIX);
}

/** The id of the key that sealed `piece`, or undefined for a plaintext piece. */
export function sealedKeyId(piece: string): string | undefined {
  return isSealedPiece(piece) ? piece.split(':', 3)[1] : undefined;
}

export class Keyring {
  readonly #current: EncryptionKey;
  readonly #byId: ReadonlyMap<string, EncryptionKey>;

  constructor(keys: readonly EncryptionKey[]) {
    const [current] = keys;
    if (!current) throw new EncryptionKeysError('A keyring needs at least one key.');
    this.#current = current;
    this.#byId = new Map(keys.map((entry) => [entry.id, entry]));
  }

  /** The key new pieces are sealed with (the first configured). */
  get currentKeyId(): string {
    return this.#current.id;
  }

  get keyIds(): string[] {
    return [...this.#byId.keys()];
  }

  /** Seals under the current key with a fresh random nonce. */
  seal(piece: string, context: PieceContext): string {
    const { id, key } = this.#current;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context));
    const sealed = Buffer.concat([
      cipher.update(piece, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${SEALED_PREFIX}${id}:${nonce.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  /** Opens a sealed piece or throws `SealedPieceError`; never returns unauthenticated text. */
  open(piece: string, context: PieceContext): string {
    const parts = piece.split(':');
    const [format, id, nonceText, sealedText] = parts;
    if (
      parts.length !== 4 ||
      format !== SEALED_FORMAT ||
      id === undefined ||
      nonceText === undefined ||
      sealedText === undefined
    ) {
      throw new SealedPieceError('Stored payload piece is not in the sealed format.');
    }
    const entry = this.#byId.get(id);
    if (!entry) {
      throw new SealedPieceError(
        `Stored payload piece was sealed with key "${id}", which is not configured.`,
      );
    }
    const nonce = Buffer.from(nonceText, 'base64url');
    const sealed = Buffer.from(sealedText, 'base64url');
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) {
      throw new SealedPieceError('Stored payload piece is truncated.');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(context));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new SealedPieceError(
        'Stored payload piece failed authentication (tampered, moved to another credential, or wrong key).',
        { cause },
      );
    }
  }
}
