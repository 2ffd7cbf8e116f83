import { CHUNK_MARKER_KEY } from '@qa-broker/contract';
import { describe, expect, it } from 'vitest';
import { PayloadCodec, PayloadUnreadableError, chunkMarker } from '../src/index.js';
import type { PieceCipher } from '../src/index.js';

describe('PayloadCodec', () => {
  it('keeps a small payload as one piece with its UTF-8 byte length', async () => {
    const codec = new PayloadCodec();
    const payload = { note: 'héllo 😀' };
    const stored = await codec.seal('cred-1', payload);
    expect(stored.pieces).toEqual([JSON.stringify(payload)]);
    expect(stored.byteLength).toBe(Buffer.byteLength(JSON.stringify(payload)));
    expect(await codec.openInline('cred-1', stored.pieces[0]!)).toEqual(payload);
  });

  it('splits past the inline ceiling without cutting a surrogate pair, and rejoins', async () => {
    const codec = new PayloadCodec(undefined, 10);
    const payload = { a: '😀😀😀😀😀😀😀😀' };
    const stored = await codec.seal('cred-2', payload);
    expect(stored.pieces.length).toBeGreaterThan(1);
    for (const piece of stored.pieces) {
      expect(piece.length).toBeLessThanOrEqual(10);
      expect(Buffer.from(piece, 'utf8').toString('utf8')).toBe(piece); // no lone surrogate
    }
    expect(await codec.openWhole('cred-2', stored)).toEqual(payload);
  });

  it('binds each piece to its credential and index through the cipher', async () => {
    const seen: string[] = [];
    const cipher: PieceCipher = {
      seal: (piece, { credentialId, index }) => {
        seen.push(`${credentialId}#${index}`);
        return Promise.resolve(`${credentialId}#${index}|${piece}`);
      },
      open: (sealed, { credentialId, index }) => {
        const tag = `${credentialId}#${index}|`;
        if (!sealed.startsWith(tag)) return Promise.reject(new Error('wrong binding'));
        return Promise.resolve(sealed.slice(tag.length));
      },
    };
    const codec = new PayloadCodec(cipher, 8);
    const stored = await codec.seal('cred-3', { k: 'abcdefghij' });
    expect(seen).toEqual(stored.pieces.map((_, i) => `cred-3#${i}`));
    expect(await codec.openWhole('cred-3', stored)).toEqual({ k: 'abcdefghij' });
    await expect(codec.openWhole('cred-other', stored)).rejects.toBeInstanceOf(
      PayloadUnreadableError,
    );
    await expect(codec.openPiece('cred-3', 1, stored.pieces[0]!)).rejects.toMatchObject({
      code: 'PAYLOAD_UNREADABLE',
    });
  });

  it('treats text that is not a JSON object as unreadable', async () => {
    const codec = new PayloadCodec();
    await expect(codec.openInline('c', '{broken')).rejects.toMatchObject({
      code: 'PAYLOAD_UNREADABLE',
    });
    await expect(codec.openInline('c', '[1,2]')).rejects.toMatchObject({
      code: 'PAYLOAD_UNREADABLE',
    });
    await expect(
      codec.openWhole('c', { pieces: ['{"a":', '1'], byteLength: 6 }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_UNREADABLE' });
  });

  it('builds the chunk marker', () => {
    expect(chunkMarker(600_000, 3)).toEqual({
      [CHUNK_MARKER_KEY]: true,
      byteLength: 600_000,
      chunkCount: 3,
    });
  });
});
