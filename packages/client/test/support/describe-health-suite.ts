import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError, type BrokerClient } from '../../src/index.js';
import { startBroker, uniqueKind, type CredentialStore, type RunningBroker } from './broker.js';
import { summaryOf } from './lease-status.js';

async function rejectionOf(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BrokerError);
  return error as BrokerError;
}

/**
 * Credential health and per-kind policy (broker-additions §2, §3) through the typed
 * client, against the real broker app over one store.
 */
export function describeHealthSuite(
  name: string,
  openStore: () => Promise<CredentialStore>,
  closeStore: (store: CredentialStore) => Promise<void> = (store) => store.close(),
): void {
  describe(`client health and policy against the broker (${name})`, () => {
    let store: CredentialStore;
    let broker: RunningBroker;
    let admin: BrokerClient;
    let ci: BrokerClient;

    beforeAll(async () => {
      store = await openStore();
      broker = await startBroker(store);
      admin = broker.client('maintainer');
      ci = broker.client('ci');
    });
    afterAll(async () => {
      await broker?.stop();
      if (store) await closeStore(store);
    });

    /** One try, no queue: a refusal comes back at once. */
    const tryAcquire = (client: BrokerClient, kind: string) =>
      client.acquireLease(kind, { queue: false, waitTimeoutMs: 1 });

    it('a broken release quarantines the credential until restore', async () => {
      const kind = uniqueKind('broken');
      const { credentialId } = await admin.addCredential({ kind, payload: { apiKey: 'fake-1' } });
      const lease = await ci.acquireLease(kind);
      await lease.release({ outcome: 'broken', reason: 'API key revoked' });
      expect(lease.state).toBe('released');

      const summary = await summaryOf(admin, kind, credentialId);
      expect(summary).toMatchObject({
        status: 'active',
        brokenReports: 1,
        quarantine: { reason: 'API key revoked', reportedBy: ci.ownerId, actorRole: 'ci' },
      });
      expect(summary.lease).toBeUndefined();
      expect((await rejectionOf(tryAcquire(ci, kind))).code).toBe('POOL_EXHAUSTED');

      const restored = await admin.restoreCredential(credentialId, { actorId: 'alice' });
      expect(restored.changed).toBe(true);
      expect(restored.credential.quarantine).toBeUndefined();
      expect(restored.credential.brokenReports).toBeUndefined();
      expect((await admin.restoreCredential(credentialId)).changed).toBe(false);
      const again = await tryAcquire(ci, kind);
      expect(again.credentialId).toBe(credentialId);
      await again.release();
    });

    it('markBroken inside withLease reports the credential broken, even when the callback throws', async () => {
      const kind = uniqueKind('mark');
      const first = await admin.addCredential({ kind, payload: { apiKey: 'fake-1' } });
      await expect(
        ci.withLease(kind, (lease) => {
          lease.markBroken('login refused');
          throw new Error('test failed');
        }),
      ).rejects.toThrow('test failed');
      expect((await summaryOf(admin, kind, first.credentialId)).quarantine).toMatchObject({
        reason: 'login refused',
      });

      const second = await admin.addCredential({ kind, payload: { apiKey: 'fake-2' } });
      {
        await using lease = await ci.acquireLease(kind);
        expect(lease.credentialId).toBe(second.credentialId);
        lease.markBroken();
      }
      const summary = await summaryOf(admin, kind, second.credentialId);
      expect(summary.quarantine).toMatchObject({ reportedBy: ci.ownerId });
      expect(summary.quarantine?.reason).toBeUndefined();
    });

    it("counts broken reports up to the kind's quarantineAfterBroken; an ok release resets them", async () => {
      const kind = uniqueKind('threshold');
      const { credentialId } = await admin.addCredential({ kind, payload: { apiKey: 'fake' } });
      const policy = await admin.setPolicy({ kind, quarantineAfterBroken: 2 });
      expect(policy).toMatchObject({ kind, quarantineAfterBroken: 2 });

      const brokenOnce = async () => {
        const lease = await tryAcquire(ci, kind);
        await lease.release({ outcome: 'broken', reason: 'flaky' });
      };
      await brokenOnce();
      let summary = await summaryOf(admin, kind, credentialId);
      expect(summary.brokenReports).toBe(1);
      expect(summary.quarantine).toBeUndefined();

      await (await tryAcquire(ci, kind)).release({ outcome: 'ok' });
      expect((await summaryOf(admin, kind, credentialId)).brokenReports).toBeUndefined();

      await brokenOnce();
      await brokenOnce();
      summary = await summaryOf(admin, kind, credentialId);
      expect(summary.brokenReports).toBe(2);
      expect(summary.quarantine).toMatchObject({ reason: 'flaky', actorRole: 'ci' });
    });

    it('quarantines by hand while leased: the holder keeps its lease, nobody gets it after', async () => {
      const kind = uniqueKind('manual');
      const { credentialId } = await admin.addCredential({ kind, payload: { apiKey: 'fake' } });
      const lease = await ci.acquireLease(kind);
      const quarantined = await admin.quarantineCredential(credentialId, {
        reason: 'provider banned the account',
        actorId: 'alice',
      });
      expect(quarantined.changed).toBe(true);
      expect(quarantined.credential.quarantine).toMatchObject({
        reason: 'provider banned the account',
        reportedBy: 'alice',
        actorRole: 'maintainer',
      });
      expect((await admin.quarantineCredential(credentialId)).changed).toBe(false);
      await lease.heartbeat();
      expect(lease.state).toBe('held');
      await lease.release();
      expect((await rejectionOf(tryAcquire(ci, kind))).code).toBe('POOL_EXHAUSTED');
      await admin.restoreCredential(credentialId);
      await (await tryAcquire(ci, kind)).release();

      const missing = await rejectionOf(admin.quarantineCredential('no-such-credential'));
      expect(missing.code).toBe('CREDENTIAL_NOT_FOUND');
      expect((await rejectionOf(admin.restoreCredential('no-such-credential'))).code).toBe(
        'CREDENTIAL_NOT_FOUND',
      );
    });

    it('restore re-enables a removed credential', async () => {
      const kind = uniqueKind('reenable');
      const { credentialId } = await admin.addCredential({ kind, payload: { apiKey: 'fake' } });
      await admin.removeCredential(credentialId);
      const restored = await admin.restoreCredential(credentialId);
      expect(restored).toMatchObject({ changed: true, credential: { status: 'active' } });
      await (await tryAcquire(ci, kind)).release();
    });

    it('updates payload and note; the holder keeps the payload it was granted', async () => {
      const kind = 'telegram';
      const { credentialId } = await admin.addCredential({
        kind,
        // Its own group id, so this test's credential is told apart in the shared telegram pool.
        payload: { groupId: '-1009001', driverToken: 'fake-driver-old', sutToken: 'fake-sut-old' },
        note: 'before',
      });
      const holder = await ci.acquireLease(kind);
      expect(holder.credentialId).toBe(credentialId);

      const updated = await admin.updateCredential({
        credentialId,
        payload: { groupId: '-1009001', driverToken: 'fake-driver-new', sutToken: 'fake-sut-new' },
        note: 'rotated',
      });
      expect(updated.changed).toBe(true);
      expect(updated.credential.note).toBe('rotated');
      expect(updated.credential.payload).toBeUndefined();
      expect(holder.payload.driverToken).toBe('fake-driver-old');
      await holder.release();

      const next = await tryAcquire(ci, kind);
      expect(next.payload.driverToken).toBe('fake-driver-new');
      await next.release();

      const cleared = await admin.updateCredential({ credentialId, note: '' });
      expect(cleared.credential.note).toBeUndefined();
      expect((await admin.updateCredential({ credentialId, note: '' })).changed).toBe(false);

      const invalid = await rejectionOf(
        admin.updateCredential({ credentialId, payload: { groupId: 'not-a-group' } }),
      );
      expect(invalid.code).toBe('INVALID_PAYLOAD');
      const missing = await rejectionOf(
        admin.updateCredential({ credentialId: 'no-such-credential', note: 'x' }),
      );
      expect(missing.code).toBe('CREDENTIAL_NOT_FOUND');
    });

    it('sets a policy as a patch, reads it back, and refuses values below the floors', async () => {
      const kind = uniqueKind('policy');
      expect(await admin.getPolicy(kind)).toBeUndefined();
      const set = await admin.setPolicy({
        kind,
        maxHoldMs: 3_600_000,
        maxLeasesPerRole: { ci: 2, maintainer: 1 },
        maxLeasesPerOwner: 1,
      });
      expect(set).toMatchObject({
        kind,
        maxHoldMs: 3_600_000,
        maxLeasesPerRole: { ci: 2, maintainer: 1 },
        maxLeasesPerOwner: 1,
      });
      const patched = await admin.setPolicy({
        kind,
        maxLeasesPerRole: { ci: null },
        maxLeasesPerOwner: null,
      });
      expect(patched).toEqual({
        kind,
        updatedAtMs: expect.any(Number) as number,
        maxHoldMs: 3_600_000,
        maxLeasesPerRole: { maintainer: 1 },
      });
      expect(await admin.getPolicy(kind)).toEqual(patched);
      expect((await admin.getPolicies()).map((policy) => policy.kind)).toContain(kind);

      const tooShort = await rejectionOf(admin.setPolicy({ kind, maxHoldMs: 29_999 }));
      expect(tooShort.code).toBe('INVALID_BODY');
      expect(tooShort.message).toContain('maxHoldMs');
      expect((await rejectionOf(ci.getPolicies())).code).toBe('AUTH_ROLE_MISMATCH');
    });

    it('shows the hold cap on the lease, and refuses a role over its quota with a message naming it', async () => {
      const kind = uniqueKind('cap');
      await admin.addCredential({ kind, payload: { apiKey: 'fake-1' } });
      await admin.addCredential({ kind, payload: { apiKey: 'fake-2' } });
      await admin.setPolicy({ kind, maxHoldMs: 40_000 });
      const lease = await ci.acquireLease(kind, { leaseTtlMs: 60_000 });
      expect(lease.maxExpiresAtMs).toBeDefined();
      expect(lease.maxExpiresAtMs).toBe(lease.expiresAtMs);
      await lease.heartbeat();
      expect(lease.expiresAtMs).toBeLessThanOrEqual(lease.maxExpiresAtMs!);
      await lease.release();

      await admin.setPolicy({ kind, maxHoldMs: null, maxLeasesPerRole: { ci: 0 } });
      const refused = await rejectionOf(tryAcquire(ci, kind));
      expect(refused.code).toBe('POOL_EXHAUSTED');
      expect(refused.message).toContain('per-role quota');
      const uncapped = await tryAcquire(admin, kind);
      expect(uncapped.maxExpiresAtMs).toBeUndefined();
      await uncapped.release();
    });
  });
}
