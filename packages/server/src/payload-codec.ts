import { CHUNK_MARKER_KEY, POLICY, splitIntoChunks, utf8ByteLength } from '@qa-broker/contract';
import type { ChunkMarker } from '@qa-broker/contract';
import type { StoredPayload } from '@qa-broker/store';
import { PayloadUnreadableError } from './broker-error.js';

/** What a sealed piece is bound to, so a piece cannot be moved to another credential or slot. */
export interface PieceContext {
  credentialId: string;
  index: number;
}

/**
 * Turns each stored piece into the string the store keeps, and back. The default keeps
 * pieces as they are; encryption at rest plugs in here without touching the routes.
 * `open` throws when a piece cannot be opened (wrong key, tampered data).
 */
export interface PieceCipher {
  seal(piece: string, context: PieceContext): Promise<string>;
  open(sealed: string, context: PieceContext): Promise<string>;
}

export const identityCipher: PieceCipher = {
  seal: (piece) => Promise.resolve(piece),
  open: (sealed) => Promise.resolve(sealed),
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parsePayload(serialized: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialized) as unknown;
  } catch (error) {
    throw new PayloadUnreadableError({ cause: error });
  }
  if (!isPlainObject(parsed)) throw new PayloadUnreadableError();
  return parsed;
}

/** The marker acquire sends in place of a payload too large to return inline. */
export function chunkMarker(byteLength: number, chunkCount: number): ChunkMarker {
  return { [CHUNK_MARKER_KEY]: true, byteLength, chunkCount };
}

/**
 * Serializes payloads into stored pieces (chunked when the JSON is longer than the inline
 * ceiling, then sealed one by one) and opens them again.
 */
export class PayloadCodec {
  readonly #cipher: PieceCipher;
  readonly #inlineMaxChars: number;

  constructor(
    cipher: PieceCipher = identityCipher,
    inlineMaxChars: number = POLICY.inlinePayloadMaxChars,
  ) {
    this.#cipher = cipher;
    this.#inlineMaxChars = inlineMaxChars;
  }

  async seal(credentialId: string, payload: Record<string, unknown>): Promise<StoredPayload> {
    const serialized = JSON.stringify(payload);
    const pieces =
      serialized.length > this.#inlineMaxChars
        ? splitIntoChunks(serialized, this.#inlineMaxChars)
        : [serialized];
    const sealed = await Promise.all(
      pieces.map((piece, index) => this.#cipher.seal(piece, { credentialId, index })),
    );
    return { pieces: sealed, byteLength: utf8ByteLength(serialized) };
  }

  /** One piece as the plain JSON text it was cut from. */
  async openPiece(credentialId: string, index: number, sealed: string): Promise<string> {
    try {
      return await this.#cipher.open(sealed, { credentialId, index });
    } catch (error) {
      throw new PayloadUnreadableError({ cause: error });
    }
  }

  /** The payload of an unchunked credential (its single piece). */
  async openInline(credentialId: string, sealed: string): Promise<Record<string, unknown>> {
    return parsePayload(await this.openPiece(credentialId, 0, sealed));
  }

  /** A whole payload, reassembled from all of its pieces. */
  async openWhole(credentialId: string, stored: StoredPayload): Promise<Record<string, unknown>> {
    const pieces = await Promise.all(
      stored.pieces.map((sealed, index) => this.openPiece(credentialId, index, sealed)),
    );
    return parsePayload(pieces.join(''));
  }
}
