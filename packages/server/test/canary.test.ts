import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring, createBrokerLogger, keyringCipher, parseEncryptionKeys } from '../src/index.js';
import { Capture } from './support/capture.js';
import { startHarness } from './support/harness.js';
import type { BrokerHarness, RawResponse } from './support/harness.js';
import { openDumpablePostgres, openDumpableRedis } from './support/raw-store.js';
import type { DumpableStore } from './support/raw-store.js';

const PREFIX = '/qa-credentials/v1';
const canary = (label: string) => `canary-${label}-${randomBytes(8).toString('hex')}`;

/**
 * Every route, success and failure, driven with canary secrets, tokens and payloads; then
 * the logs, every error body, /metrics and the raw store are searched for each canary.
 * Only the answers meant to carry a secret (acquire, payload-chunk, a listed payload)
 * may contain one.
 */
for (const open of [openDumpablePostgres, openDumpableRedis]) {
  const storeName = open.name.replace('openDumpable', '').toLowerCase();
  describe(`no secret leaks (${storeName})`, () => {
    const secrets = { maintainer: canary('maintainer-secret'), ci: canary('ci-secret') };
    const wrongToken = canary('wrong-bearer');
    const wrongLeaseToken = canary('wrong-lease-token');
    const smallMarker = canary('payload-small');
    const largeMarker = canary('payload-large');
    const rejectedMarker = canary('payload-rejected');
    const logs = new Capture();
    let target: DumpableStore;
    let h: BrokerHarness;
    /** Answers that must never carry a canary: errors and operational routes. */
    const checked: { what: string; text: string }[] = [];
    const leaseTokens: string[] = [];

    beforeAll(async () => {
      target = await open();
      const [key] = parseEncryptionKeys(`k:${randomBytes(32).toString('base64')}`, 'test');
      h = await startHarness(target.store, {
        secrets,
        payloadCipher: keyringCipher(new Keyring([key!])),
        logger: createBrokerLogger('trace', logs),
      });
    });
    afterAll(async () => {
      await h?.close();
      await target?.cleanup();
    });

    async function call(
      route: string,
      body: unknown,
      token: string | undefined = secrets.maintainer,
    ): Promise<RawResponse> {
      const response = await h.raw(PREFIX + route, {
        body,
        ...(token === undefined ? {} : { token }),
      });
      if (response.status !== 200)
        checked.push({ what: `${route} ${response.status}`, text: response.text });
      return response;
    }

    function json<T>(response: RawResponse): T {
      expect(response.status, response.text).toBe(200);
      return response.json as T;
    }

    it('drives every route with canaries', async () => {
      const kind = `canary-kind-${storeName}`;
      const small = json<{ credential: { credentialId: string } }>(
        await call('/admin/add', { kind, payload: { token: smallMarker } }),
      ).credential;
      json(
        await call('/admin/add', {
          kind: `${kind}-large`,
          payload: { token: largeMarker, padding: `${largeMarker} `.repeat(20_000) },
        }),
      );
      // Per-kind validation failing on a payload full of secrets.
      expect(
        (
          await call('/admin/add', {
            kind: 'telegram',
            payload: { groupId: rejectedMarker, driverToken: rejectedMarker, sutToken: '' },
          })
        ).status,
      ).toBe(400);

      const lease = json<{ leaseToken: string; credentialId: string }>(
        await call('/acquire', { kind, ownerId: 'canary-owner', actorRole: 'ci' }, secrets.ci),
      );
      leaseTokens.push(lease.leaseToken);
      const held = {
        kind,
        ownerId: 'canary-owner',
        actorRole: 'ci',
        credentialId: lease.credentialId,
      };
      json(await call('/heartbeat', { ...held, leaseToken: lease.leaseToken }, secrets.ci));
      expect(
        (await call('/heartbeat', { ...held, leaseToken: wrongLeaseToken }, secrets.ci)).status,
      ).toBe(409);
      expect(
        (await call('/payload-chunk', { ...held, leaseToken: lease.leaseToken }, secrets.ci))
          .status,
      ).toBe(409);
      expect((await call('/admin/remove', { credentialId: small.credentialId })).status).toBe(409);
      expect(
        (await call('/release', { ...held, leaseToken: wrongLeaseToken }, secrets.ci)).status,
      ).toBe(409);

      const large = json<{ leaseToken: string; credentialId: string }>(
        await call('/acquire', {
          kind: `${kind}-large`,
          ownerId: 'canary-owner',
          actorRole: 'maintainer',
        }),
      );
      leaseTokens.push(large.leaseToken);
      const chunk = json<{ data: string }>(
        await call('/payload-chunk', {
          kind: `${kind}-large`,
          ownerId: 'canary-owner',
          actorRole: 'maintainer',
          credentialId: large.credentialId,
          leaseToken: large.leaseToken,
          index: 0,
        }),
      );
      expect(chunk.data).toContain(largeMarker);
      expect(
        (
          await call('/payload-chunk', {
            kind: `${kind}-large`,
            ownerId: 'canary-owner',
            actorRole: 'maintainer',
            credentialId: large.credentialId,
            leaseToken: large.leaseToken,
            index: 99,
          })
        ).status,
      ).toBe(400);

      const listed = await call('/admin/list', { includePayload: true });
      expect(listed.text).toContain(smallMarker);
      json(await call('/admin/events', { limit: 500 }));

      // Auth failures with canary tokens, on a lease route and an admin route.
      expect(
        (await call('/acquire', { kind, ownerId: 'o', actorRole: 'ci' }, wrongToken)).status,
      ).toBe(401);
      expect((await call('/admin/list', {}, wrongToken)).status).toBe(401);
      expect((await call('/admin/list', {}, secrets.ci)).status).toBe(403);
      expect(
        (await call('/acquire', { kind, ownerId: 'o', actorRole: 'maintainer' }, secrets.ci))
          .status,
      ).toBe(403);
      expect((await call('/acquire', '{not json', secrets.ci)).status).toBe(400);

      json(await call('/release', { ...held, leaseToken: lease.leaseToken }, secrets.ci));
      json(await call('/admin/remove', { credentialId: small.credentialId }));

      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/nope']) {
        const response = await h.raw(path, { method: 'GET' });
        checked.push({ what: `GET ${path} ${response.status}`, text: response.text });
      }
      expect(checked.length).toBeGreaterThan(15);
    });

    it('finds no canary in the logs, error bodies, metrics or the raw store', async () => {
      const everyCanary = [
        secrets.maintainer,
        secrets.ci,
        wrongToken,
        wrongLeaseToken,
        smallMarker,
        largeMarker,
        rejectedMarker,
        ...leaseTokens,
      ];
      expect(leaseTokens).toHaveLength(2);
      expect(
        logs.text.split('\n').filter((line) => line.includes('"msg":"request"')).length,
      ).toBeGreaterThan(20);
      const dump = await target.dump();
      expect(dump.length).toBeGreaterThan(1_000);
      for (const secret of everyCanary) {
        expect(logs.text.includes(secret), `log has ${secret}`).toBe(false);
        expect(dump.includes(secret), `raw store has ${secret}`).toBe(false);
        for (const { what, text } of checked) {
          expect(text.includes(secret), `${what} has ${secret}`).toBe(false);
        }
      }
    });
  });
}
