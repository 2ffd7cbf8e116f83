import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Keyring,
  PayloadCodec,
  keyringCipher,
  parseEncryptionKeys,
  sealedKeyId,
} from '../src/index.js';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64url');
const context = { credentialId: 'cred-1', index: 0 };

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected an error');
}

describe('parseEncryptionKeys', () => {
  it('reads id:base64key pairs (standard or URL-safe base64), first one first', () => {
    const keys = parseEncryptionKeys(` a:${keyA} , b:${keyB}`, 'QA_BROKER_ENCRYPTION_KEYS');
    expect(keys.map((key) => key.id)).toEqual(['a', 'b']);
    expect(keys.every((key) => key.key.length === 32)).toBe(true);
  });

  it('names the variable and the entry, never the key material', () => {
    const source = 'QA_BROKER_ENCRYPTION_KEYS';
    const shortKey = randomBytes(16).toString('base64');
    const cases: [string, RegExp][] = [
      [' , ', /holds no key/],
      [keyA, /entry 1 must look like <id>:<base64 32-byte key>/],
      [`bad id:${keyA}`, /entry 1 must look like/],
      [`a:${keyA},a:${keyB}`, /key id "a" twice/],
      [`a:${shortKey}`, /key "a" must be 32 bytes/],
      // Buffer.from would silently skip the '!' and still find 32 bytes.
      [`a:${keyA.slice(0, 20)}!${keyA.slice(20)}`, /key "a" must be 32 bytes/],
    ];
    for (const [value, message] of cases) {
      const error = errorOf(() => parseEncryptionKeys(value, source));
      expect(error.message).toMatch(message);
      expect(error.message).toContain(source);
      expect(error.message).not.toContain(keyA);
      expect(error.message).not.toContain(shortKey);
    }
  });
});

describe('Keyring', () => {
  const [a, b] = parseEncryptionKeys(`a:${keyA},b:${keyB}`, 'test');
  const ring = new Keyring([a!, b!]);

  it('seals with the first key and a fresh nonce each time, and opens again', () => {
    const first = ring.seal('{"secret":"fake"}', context);
    const second = ring.seal('{"secret":"fake"}', context);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^qbe1:a:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(first).not.toContain('fake');
    expect(sealedKeyId(first)).toBe('a');
    expect(ring.open(first, context)).toBe('{"secret":"fake"}');
    expect(ring.open(second, context)).toBe('{"secret":"fake"}');
  });

  it('opens pieces of every configured key, so old pieces stay readable after rotation', () => {
    const old = new Keyring([b!]).seal('old piece', context);
    expect(ring.open(old, context)).toBe('old piece');
    expect(() => new Keyring([a!]).open(old, context)).toThrow(/key "b", which is not configured/);
  });

  it('refuses a piece moved to another credential or index, tampered or truncated', () => {
    const sealed = ring.seal('piece', context);
    const [format, id, nonce, body] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const refused = [
      () => ring.open(sealed, { credentialId: 'cred-2', index: 0 }),
      () => ring.open(sealed, { credentialId: 'cred-1', index: 1 }),
      () => ring.open(`${format}:${id}:${nonce}:${flipped.toString('base64url')}`, context),
      () => ring.open(`${format}:${id}:${nonce}:${body.slice(0, 10)}`, context),
      () => ring.open(`${format}:${id}:${nonce}`, context),
      () => ring.open('{"plain":"text"}', context),
    ];
    for (const attempt of refused) {
      expect(errorOf(attempt)).toMatchObject({ code: 'PAYLOAD_UNREADABLE' });
    }
  });

  it('as a PieceCipher: seals everything, still reads plaintext pieces stored before keys', async () => {
    const codec = new PayloadCodec(keyringCipher(ring), 10);
    const payload = { token: 'fake-token-0123456789' };
    const stored = await codec.seal('cred-9', payload);
    expect(stored.pieces.length).toBeGreaterThan(1);
    expect(stored.pieces.every((piece) => sealedKeyId(piece) === 'a')).toBe(true);
    expect(stored.pieces.join('')).not.toContain('fake-token');
    expect(await codec.openWhole('cred-9', stored)).toEqual(payload);
    await expect(codec.openWhole('cred-8', stored)).rejects.toMatchObject({
      code: 'PAYLOAD_UNREADABLE',
    });
    const plain = await new PayloadCodec(undefined, 10).seal('cred-7', payload);
    expect(await codec.openWhole('cred-7', plain)).toEqual(payload);
  });
});
