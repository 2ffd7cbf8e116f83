import { z } from 'zod';
import { POLICY } from './policy.js';

/** Marker acquire returns in place of a payload too large to send inline. */
export const CHUNK_MARKER_KEY = '__openclawQaCredentialPayloadChunksV1';

export const ChunkMarkerSchema = z.object({
  [CHUNK_MARKER_KEY]: z.literal(true),
  byteLength: z.number().int().nonnegative(),
  chunkCount: z.number().int().positive(),
});
export type ChunkMarker = z.infer<typeof ChunkMarkerSchema>;

export function isChunkMarker(payload: unknown): payload is ChunkMarker {
  return ChunkMarkerSchema.safeParse(payload).success;
}

export function makeChunkMarker(serialized: string, chunkCount: number): ChunkMarker {
  return { [CHUNK_MARKER_KEY]: true, byteLength: utf8ByteLength(serialized), chunkCount };
}

/** UTF-8 byte count without allocating an encoded copy of a payload that may be 64 MiB. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Cuts `serialized` into pieces of at most `maxChars` UTF-16 units, never between the two
 * halves of a surrogate pair.
 */
export function splitIntoChunks(
  serialized: string,
  maxChars: number = POLICY.inlinePayloadMaxChars,
): string[] {
  if (maxChars < 2) throw new RangeError('maxChars must be at least 2.');
  const chunks: string[] = [];
  let start = 0;
  while (start < serialized.length) {
    let end = Math.min(start + maxChars, serialized.length);
    const last = serialized.charCodeAt(end - 1);
    if (end < serialized.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(serialized.slice(start, end));
    start = end;
  }
  return chunks;
}
