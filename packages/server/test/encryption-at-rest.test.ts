import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Keyring,
  keyringCipher,
  parseEncryptionKeys,
  rotateKeys,
  run,
  sealedKeyId,
} from '../src/index.js';
import { Capture } from './support/capture.js';
import { expectError, okBody } from './support/expect-response.js';
import { uniqueKind } from './support/fixtures.js';
import { startHarness } from './support/harness.js';
import type { BrokerHarness } from './support/harness.js';
import { openDumpablePostgres, openDumpableRedis } from './support/raw-store.js';
import type { DumpableStore } from './support/raw-store.js';

const KEY_OLD = randomBytes(32).toString('base64');
const KEY_NEW = randomBytes(32).toString('base64');
const [oldKey, newKey] = parseEncryptionKeys(`old:${KEY_OLD},new:${KEY_NEW}`, 'test');
const keysEnv = (ids: ('old' | 'new')[]) =>
  ids.map((id) => `${id}:${id === 'old' ? KEY_OLD : KEY_NEW}`).join(',');

/** A payload whose every value is a marker the raw store must never show in plain. */
function canaryPayload(label: string, padTo = 0) {
  const marker = `canary-${label}-${randomBytes(6).toString('hex')}`;
  const payload: Record<string, unknown> = { secret: marker };
  if (padTo > 0) payload.padding = `${marker}|`.repeat(Math.ceil(padTo / (marker.length + 1)));
  return { marker, payload };
}

for (const open of [openDumpablePostgres, openDumpableRedis]) {
  describe(`encryption at rest (${open.name.replace('openDumpable', '').toLowerCase()})`, () => {
    let target: DumpableStore;
    let plainBroker: BrokerHarness;
    let oldBroker: BrokerHarness;
    const kind = uniqueKind('enc');

    beforeAll(async () => {
      target = await open();
      plainBroker = await startHarness(target.store);
      oldBroker = await startHarness(target.store, {
        payloadCipher: keyringCipher(new Keyring([oldKey!])),
      });
    });
    afterAll(async () => {
      await plainBroker?.close();
      await oldBroker?.close();
      await target?.cleanup();
    });

    async function add(h: BrokerHarness, payload: Record<string, unknown>) {
      return okBody(await h.maintainer.admin.add({ body: { kind, payload } })).credential;
    }

    async function listedPayloads(h: BrokerHarness) {
      const listed = okBody(
        await h.maintainer.admin.list({ body: { kind, includePayload: true, limit: 500 } }),
      );
      return new Map(listed.credentials.map((c) => [c.credentialId, c.payload]));
    }

    async function storedPieces() {
      const page = await target.store.scanCredentials({ limit: 500, includePayload: true });
      return page.credentials
        .filter((record) => record.kind === kind)
        .flatMap((record) => record.payload?.pieces ?? []);
    }

    it('keeps no payload plaintext in the raw store, reads plaintext stored before, and rotates', async () => {
      // Stored before encryption was turned on: plaintext, and still readable afterwards.
      const legacy = canaryPayload('legacy');
      const legacyRecord = await add(plainBroker, legacy.payload);
      expect(await target.dump()).toContain(legacy.marker);

      const small = canaryPayload('small');
      const large = canaryPayload('large', 600_000); // three chunks
      const smallRecord = await add(oldBroker, small.payload);
      const largeRecord = await add(oldBroker, large.payload);
      const dumped = await target.dump();
      expect(dumped).not.toContain(small.marker);
      expect(dumped).not.toContain(large.marker);
      expect(dumped).toContain('qbe1:old:');

      const before = await listedPayloads(oldBroker);
      expect(before.get(legacyRecord.credentialId)).toEqual(legacy.payload);
      expect(before.get(smallRecord.credentialId)).toEqual(small.payload);
      expect(before.get(largeRecord.credentialId)).toEqual(large.payload);

      // Rotation to a new first key: every piece, plaintext ones included, ends up under it.
      const summary = await rotateKeys(target.store, new Keyring([newKey!, oldKey!]), {
        pageSize: 2,
      });
      expect(summary).toMatchObject({ reEncrypted: 3, alreadyCurrent: 0, failed: 0 });
      expect(summary.scanned).toBeGreaterThanOrEqual(3);
      const pieces = await storedPieces();
      expect(pieces.length).toBe(5);
      expect(pieces.every((piece) => sealedKeyId(piece) === 'new')).toBe(true);
      const afterDump = await target.dump();
      for (const marker of [legacy.marker, small.marker, large.marker]) {
        expect(afterDump).not.toContain(marker);
      }

      // Readable with the new key alone, over HTTP: list, acquire inline, chunks.
      const newOnly = await startHarness(target.store, {
        payloadCipher: keyringCipher(new Keyring([newKey!])),
      });
      try {
        const after = await listedPayloads(newOnly);
        expect(after).toEqual(before);
        const granted = okBody(
          await newOnly.ci.acquire({ body: { kind, ownerId: 'enc-owner', actorRole: 'ci' } }),
        );
        expect(granted.payload).toEqual(before.get(granted.credentialId));
      } finally {
        await newOnly.close();
      }

      const again = await rotateKeys(target.store, new Keyring([newKey!]));
      expect(again).toMatchObject({ reEncrypted: 0, failed: 0 });
      expect(again.alreadyCurrent).toBe(again.scanned);
    });

    it('--require-encryption refuses a plaintext piece, gives the lease back, and rotate-keys counts what remains', async () => {
      const ownKind = uniqueKind('req-enc');
      const legacy = canaryPayload('plain');
      okBody(
        await plainBroker.maintainer.admin.add({
          body: { kind: ownKind, payload: legacy.payload },
        }),
      );
      const strict = await startHarness(target.store, {
        payloadCipher: keyringCipher(new Keyring([newKey!]), { requireEncryption: true }),
      });
      try {
        const refused = await strict.ci.acquire({
          body: { kind: ownKind, ownerId: 'strict-owner', actorRole: 'ci' },
        });
        const body = expectError(refused, 500, 'PAYLOAD_UNREADABLE');
        expect(JSON.stringify(body)).not.toContain(legacy.marker);
        // Given back in the same request: the credential is free at once.
        const listed = okBody(await strict.maintainer.admin.list({ body: { kind: ownKind } }));
        expect(listed.credentials[0]?.lease).toBeUndefined();
        // Rotation seals it; afterwards the strict broker serves it.
        const summary = await rotateKeys(target.store, new Keyring([newKey!, oldKey!]));
        expect(summary.failed).toBe(0);
        expect(summary.plaintextRemaining).toBe(0);
        const granted = okBody(
          await strict.ci.acquire({
            body: { kind: ownKind, ownerId: 'strict-owner', actorRole: 'ci' },
          }),
        );
        expect(granted.payload).toEqual(legacy.payload);
      } finally {
        await strict.close();
      }
    });

    it('refuses a tampered or moved ciphertext with 500 PAYLOAD_UNREADABLE, never garbage', async () => {
      const tamperKind = uniqueKind('tamper');
      const cipherBroker = await startHarness(target.store, {
        payloadCipher: keyringCipher(new Keyring([newKey!])),
      });
      try {
        const victim = okBody(
          await cipherBroker.maintainer.admin.add({
            body: { kind: tamperKind, payload: canaryPayload('victim').payload },
          }),
        ).credential;
        const donor = okBody(
          await cipherBroker.maintainer.admin.add({
            body: { kind: `${tamperKind}-other`, payload: canaryPayload('donor').payload },
          }),
        ).credential;
        const page = await target.store.scanCredentials({ limit: 500, includePayload: true });
        const byId = new Map(page.credentials.map((c) => [c.credentialId, c]));
        const victimPieces = byId.get(victim.credentialId)?.payload?.pieces ?? [];
        const donorPayload = byId.get(donor.credentialId)?.payload;
        expect(victimPieces.length).toBe(1);

        // A ciphertext moved from another credential: authentic, but bound to the donor.
        expect(
          await target.store.replacePayload({
            credentialId: victim.credentialId,
            expectedPieces: victimPieces,
            payload: donorPayload!,
          }),
        ).toBe(true);
        const moved = await cipherBroker.maintainer.admin.list({
          body: { kind: tamperKind, includePayload: true },
        });
        expectError(moved, 500, 'PAYLOAD_UNREADABLE');

        // One flipped bit in the ciphertext.
        const sealed = donorPayload!.pieces[0]!;
        const cut = sealed.lastIndexOf(':');
        const body = Buffer.from(sealed.slice(cut + 1), 'base64url');
        body[3] = (body[3] ?? 0) ^ 0x40;
        const tampered = `${sealed.slice(0, cut + 1)}${body.toString('base64url')}`;
        expect(
          await target.store.replacePayload({
            credentialId: victim.credentialId,
            expectedPieces: donorPayload!.pieces,
            payload: { pieces: [tampered], byteLength: donorPayload!.byteLength },
          }),
        ).toBe(true);
        const acquired = await cipherBroker.ci.acquire({
          body: { kind: tamperKind, ownerId: 'tamper-owner', actorRole: 'ci' },
        });
        const error = expectError(acquired, 500, 'PAYLOAD_UNREADABLE');
        expect(error.message).not.toContain('canary');
        // The lease was given back: nobody holds it.
        const listed = okBody(
          await cipherBroker.maintainer.admin.list({ body: { kind: tamperKind } }),
        );
        expect(listed.credentials[0]?.lease).toBeUndefined();

        // rotate-keys reports it and exits 1, without printing a payload.
        const stdout = new Capture();
        const stderr = new Capture();
        const code = await run(['rotate-keys', ...target.cliArgs], {
          env: { QA_BROKER_ENCRYPTION_KEYS: keysEnv(['new']) },
          stdout,
          stderr,
        });
        expect(code).toBe(1);
        expect(stderr.text).toContain(`credential ${victim.credentialId} failed`);
        expect(stdout.text).toMatch(/failed 1; plaintext pieces remaining 0\n$/);
        expect(stdout.text + stderr.text).not.toContain('canary');
      } finally {
        await cipherBroker.close();
      }
    });
  });
}
