import type { CredentialStore } from '@qa-broker/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, okBody } from './expect-response.js';
import { telegramPayload, uniqueKind } from './fixtures.js';
import { MAINTAINER_SECRET, startHarness } from './harness.js';
import type { BrokerHarness } from './harness.js';

/**
 * Credential health and per-kind policy over HTTP (spec additions §2, §3, §6) against one
 * store. `openStore` must return a fresh, empty, isolated store; the suite closes it.
 */
export function describeHealthHttp(name: string, openStore: () => Promise<CredentialStore>): void {
  describe(`credential health and policy over HTTP (${name})`, () => {
    let store: CredentialStore;
    let h: BrokerHarness;

    beforeAll(async () => {
      store = await openStore();
      h = await startHarness(store);
    });
    afterAll(async () => {
      await h?.close();
      await store?.close();
    });

    async function add(kind: string, n = 1) {
      return okBody(await h.maintainer.admin.add({ body: { kind, payload: telegramPayload(n) } }))
        .credential;
    }
    async function take(kind: string, ownerId = 'job-1', leaseTtlMs?: number) {
      return okBody(
        await h.ci.acquire({
          body: { kind, ownerId, actorRole: 'ci', ...(leaseTtlMs ? { leaseTtlMs } : {}) },
        }),
      );
    }
    async function listed(kind: string) {
      return okBody(await h.maintainer.admin.list({ body: { kind } })).credentials;
    }

    it('a broken release quarantines at the default threshold, with events and a clear refusal after', async () => {
      const kind = uniqueKind('tg');
      const credential = await add(kind);
      const lease = await take(kind);
      okBody(
        await h.ci.release({
          body: {
            kind,
            ownerId: 'job-1',
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            outcome: 'broken',
            reason: 'bot token revoked',
          },
        }),
      );
      const [summary] = await listed(kind);
      expect(summary).toMatchObject({
        credentialId: credential.credentialId,
        status: 'active',
        brokenReports: 1,
        quarantine: { reason: 'bot token revoked', reportedBy: 'job-1', actorRole: 'ci' },
      });
      expect(summary).not.toHaveProperty('lease');
      expectError(
        await h.ci.acquire({ body: { kind, ownerId: 'job-2', actorRole: 'ci' } }),
        409,
        'POOL_EXHAUSTED',
        `No available credential for kind "${kind}".`,
      );
      const events = okBody(await h.maintainer.admin.events({ body: { kind } })).events;
      expect(events.map((event) => [event.category, event.eventType, event.code])).toEqual(
        expect.arrayContaining([
          ['lease', 'release', 'BROKEN'],
          ['lease', 'quarantine', undefined],
        ]),
      );
      const stats = okBody(await h.maintainer.admin.stats({ body: { kind } }));
      expect(stats.kinds.find((entry) => entry.kind === kind)).toMatchObject({
        free: 0,
        quarantined: 1,
      });
    });

    it('admin/quarantine keeps the holder, admin/restore brings it back, missing ids are 404', async () => {
      const kind = uniqueKind('tg');
      const credential = await add(kind);
      const lease = await take(kind);
      const quarantined = okBody(
        await h.maintainer.admin.quarantine({
          body: { credentialId: credential.credentialId, reason: 'banned', actorId: 'alice' },
        }),
      );
      expect(quarantined).toMatchObject({
        changed: true,
        credential: {
          quarantine: { reason: 'banned', reportedBy: 'alice', actorRole: 'maintainer' },
        },
      });
      // The holder keeps its lease.
      okBody(
        await h.ci.heartbeat({
          body: {
            kind,
            ownerId: 'job-1',
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
          },
        }),
      );
      okBody(
        await h.ci.release({
          body: {
            kind,
            ownerId: 'job-1',
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
          },
        }),
      );
      expectError(
        await h.ci.acquire({ body: { kind, ownerId: 'job-2', actorRole: 'ci' } }),
        409,
        'POOL_EXHAUSTED',
      );
      const restored = okBody(
        await h.maintainer.admin.restore({
          body: { credentialId: credential.credentialId, actorId: 'alice' },
        }),
      );
      expect(restored.changed).toBe(true);
      expect(restored.credential).not.toHaveProperty('quarantine');
      expect((await take(kind, 'job-2')).credentialId).toBe(credential.credentialId);
      for (const route of ['restore', 'quarantine'] as const) {
        expectError(
          await h.maintainer.admin[route]({ body: { credentialId: 'no-such-credential' } }),
          404,
          'CREDENTIAL_NOT_FOUND',
        );
      }
    });

    it('admin/restore re-enables a removed credential', async () => {
      const kind = uniqueKind('tg');
      const credential = await add(kind);
      okBody(await h.maintainer.admin.remove({ body: { credentialId: credential.credentialId } }));
      const restored = okBody(
        await h.maintainer.admin.restore({ body: { credentialId: credential.credentialId } }),
      );
      expect(restored).toMatchObject({ changed: true, credential: { status: 'active' } });
      expect((await take(kind)).credentialId).toBe(credential.credentialId);
    });

    it('admin/update checks the body, then the id, then the kind, and the holder keeps its version', async () => {
      const kind = 'telegram';
      const credential = await add(kind, 71);
      const deep: Record<string, unknown> = {};
      let cursor = deep;
      for (let level = 0; level < 70; level++) cursor = cursor.next = {} as Record<string, unknown>;
      expectError(
        await h.maintainer.admin.update({ body: { credentialId: 'missing', payload: deep } }),
        400,
        'INVALID_PAYLOAD',
        'Credential payload is nested too deeply (more than 64 levels).',
      );
      expectError(
        await h.maintainer.admin.update({ body: { credentialId: credential.credentialId } }),
        400,
        'INVALID_BODY',
      );
      expectError(
        await h.maintainer.admin.update({
          body: { credentialId: 'missing', payload: { groupId: 'x' } },
        }),
        404,
        'CREDENTIAL_NOT_FOUND',
      );
      expectError(
        await h.maintainer.admin.update({
          body: { credentialId: credential.credentialId, payload: { groupId: 'x' } },
        }),
        400,
        'INVALID_PAYLOAD',
      );
      const lease = await h.ci.acquire({ body: { kind, ownerId: 'holder-71', actorRole: 'ci' } });
      const held = okBody(lease);
      const updated = okBody(
        await h.maintainer.admin.update({
          body: {
            credentialId: credential.credentialId,
            payload: telegramPayload(72),
            note: 'rotated',
          },
        }),
      );
      expect(updated).toMatchObject({ changed: true, credential: { note: 'rotated' } });
      expect(held.payload).toEqual(telegramPayload(71));
      okBody(
        await h.ci.release({
          body: {
            kind,
            ownerId: 'holder-71',
            actorRole: 'ci',
            credentialId: held.credentialId,
            leaseToken: held.leaseToken,
          },
        }),
      );
      const listedPayload = okBody(
        await h.maintainer.admin.list({ body: { kind, includePayload: true } }),
      ).credentials.find((entry) => entry.credentialId === credential.credentialId)?.payload;
      expect(listedPayload).toEqual(telegramPayload(72));
      const same = okBody(
        await h.maintainer.admin.update({
          body: { credentialId: credential.credentialId, note: 'rotated' },
        }),
      );
      expect(same.changed).toBe(false);
      const cleared = okBody(
        await h.maintainer.admin.update({
          body: { credentialId: credential.credentialId, note: '' },
        }),
      );
      expect(cleared.credential).not.toHaveProperty('note');
      const raw = await h.raw('/qa-credentials/v1/admin/events', {
        token: MAINTAINER_SECRET,
        body: { credentialId: credential.credentialId },
      });
      expect(raw.text).not.toContain('fake-driver-token-72');
    });

    it('policy: patch semantics, bounds named, maxHoldMs caps grants and heartbeats', async () => {
      const kind = uniqueKind('pol');
      await add(kind);
      expectError(
        await h.maintainer.admin.policy.set({ body: { kind, maxHoldMs: 29_999 } }),
        400,
        'INVALID_BODY',
      );
      expectError(
        await h.maintainer.admin.policy.set({ body: { kind, maxLeasesPerOwner: 0 } }),
        400,
        'INVALID_BODY',
      );
      expectError(await h.ci.admin.policy.get({ body: {} }), 403, 'AUTH_ROLE_MISMATCH');
      const set = okBody(
        await h.maintainer.admin.policy.set({
          body: {
            kind,
            maxHoldMs: 40_000,
            maxLeasesPerRole: { ci: 2, maintainer: 1 },
            quarantineAfterBroken: 3,
          },
        }),
      );
      expect(set.policy).toMatchObject({
        kind,
        maxHoldMs: 40_000,
        maxLeasesPerRole: { ci: 2, maintainer: 1 },
        quarantineAfterBroken: 3,
      });
      const patched = okBody(
        await h.maintainer.admin.policy.set({
          body: { kind, maxLeasesPerRole: { ci: null }, quarantineAfterBroken: null },
        }),
      );
      expect(patched.policy).toEqual({
        kind,
        updatedAtMs: expect.any(Number) as number,
        maxHoldMs: 40_000,
        maxLeasesPerRole: { maintainer: 1 },
      });
      const got = okBody(await h.maintainer.admin.policy.get({ body: { kind } }));
      expect(got.policies).toEqual([patched.policy]);

      const lease = await take(kind, 'job-1', 60_000);
      const acquiredAt = lease.expiresAtMs - 40_000;
      expect(lease.maxExpiresAtMs).toBe(lease.expiresAtMs);
      const beat = okBody(
        await h.ci.heartbeat({
          body: {
            kind,
            ownerId: 'job-1',
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            leaseTtlMs: 60_000,
          },
        }),
      );
      expect(beat).toMatchObject({
        expiresAtMs: acquiredAt + 40_000,
        maxExpiresAtMs: acquiredAt + 40_000,
      });
    });

    it('quotas refuse with a message that names them; exactly one lease per owner under a race', async () => {
      const kind = uniqueKind('quota');
      for (let i = 1; i <= 6; i++) await add(kind, i);
      okBody(await h.maintainer.admin.policy.set({ body: { kind, maxLeasesPerOwner: 1 } }));
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          h.ci.acquire({ body: { kind, ownerId: 'greedy', actorRole: 'ci' } }),
        ),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      const refusal = answers.find((answer) => answer.status !== 200)!;
      expectError(
        refusal,
        409,
        'POOL_EXHAUSTED',
        `No available credential for kind "${kind}" within its per-owner quota.`,
      );
      okBody(
        await h.maintainer.admin.policy.set({
          body: { kind, maxLeasesPerOwner: null, maxLeasesPerRole: { ci: 0 } },
        }),
      );
      expectError(
        await h.ci.acquire({ body: { kind, ownerId: 'other', actorRole: 'ci' } }),
        409,
        'POOL_EXHAUSTED',
        `No available credential for kind "${kind}" within its per-role quota.`,
      );
      expectError(
        await h.ci.acquire({ body: { kind, ownerId: 'greedy', actorRole: 'ci' } }),
        409,
        'POOL_EXHAUSTED',
      );
      okBody(
        await h.maintainer.acquire({ body: { kind, ownerId: 'maint', actorRole: 'maintainer' } }),
      );
    });
  });
}
