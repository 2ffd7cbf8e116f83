import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../src/index.js';

describe('PGlite in a data directory', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps credentials, leases, fencing and events across close and reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'qa-broker-pglite-'));
    dirs.push(dataDir);
    const first = await openPgliteStore({ dataDir });
    await first.addCredential({
      credentialId: 'cred-durable',
      kind: 'telegram',
      payload: { pieces: ['{"fake":"durable"}'], byteLength: 18 },
      status: 'active',
      actorId: 'admin',
      nowMs: 1_000,
    });
    const grant = await first.acquire({
      kind: 'telegram',
      ownerId: 'owner',
      actorRole: 'ci',
      leaseToken: 'fake-token-durable',
      leaseTtlMs: 60_000,
      nowMs: 2_000,
    });
    expect(grant).toMatchObject({ ok: true, lease: { fencingToken: 1 } });
    await first.close();

    const second = await openPgliteStore({ dataDir });
    try {
      expect(await second.migrate()).toEqual({ applied: [] });
      const [record] = await second.listCredentials({
        status: 'all',
        includePayload: true,
        limit: 10,
      });
      expect(record).toMatchObject({
        credentialId: 'cred-durable',
        lastLeasedAtMs: 2_000,
        lease: { ownerId: 'owner', expiresAtMs: 62_000 },
        payload: { pieces: ['{"fake":"durable"}'] },
      });
      // The lease token survived too: its holder can still heartbeat and release.
      expect(
        await second.heartbeat({
          kind: 'telegram',
          ownerId: 'owner',
          credentialId: 'cred-durable',
          leaseToken: 'fake-token-durable',
          leaseTtlMs: 60_000,
          nowMs: 3_000,
        }),
      ).toEqual({ ok: true, expiresAtMs: 63_000 });
      expect(
        await second.release({
          kind: 'telegram',
          ownerId: 'owner',
          actorRole: 'ci',
          credentialId: 'cred-durable',
          leaseToken: 'fake-token-durable',
          nowMs: 4_000,
        }),
      ).toEqual({ ok: true, released: true });
      const again = await second.acquire({
        kind: 'telegram',
        ownerId: 'owner',
        actorRole: 'ci',
        leaseToken: 'fake-token-2',
        leaseTtlMs: 60_000,
        nowMs: 5_000,
      });
      expect(again).toMatchObject({ ok: true, lease: { fencingToken: 2 } });
      const events = await second.listEvents({ limit: 10 });
      expect(events.events.map((event) => event.eventType)).toEqual([
        'add',
        'acquire',
        'release',
        'acquire',
      ]);
    } finally {
      await second.close();
    }
  });
});
