import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATS_BUCKET_COUNT } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedLeaseToken } from '../../src/lease-token.js';
import { expectError, okBody } from './expect-response.js';
import { telegramPayload, uniqueKind } from './fixtures.js';
import { MAINTAINER_SECRET, startHarness } from './harness.js';
import type { BrokerHarness } from './harness.js';

const MINUTE = 60_000;

/** A stand-in for the dashboard's dist/, so these tests do not need the page built. */
function fakeDashboardDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qa-broker-dashboard-'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta name="qa-broker-endpoint-prefix" content="/qa-credentials/v1" /><script type="module" src="/dashboard/app.js"></script>',
  );
  writeFileSync(join(dir, 'app.js'), 'console.log("fake dashboard");');
  return dir;
}

/**
 * What the dashboard reads (admin/stats, admin/list paging) and how it is served, against
 * one store, through the contract's client with response validation on.
 */
export function describeDashboardHttp(
  name: string,
  openStore: () => Promise<CredentialStore>,
): void {
  describe(`dashboard routes over HTTP (${name})`, () => {
    let store: CredentialStore;
    let h: BrokerHarness;
    let dashboardDir: string;

    beforeAll(async () => {
      store = await openStore();
      dashboardDir = fakeDashboardDir();
      h = await startHarness(store, { dashboardDir, endpointPrefix: '/qa&broker/v1' });
    });
    afterAll(async () => {
      await h?.close();
      await store?.close();
      rmSync(dashboardDir, { recursive: true, force: true });
    });

    async function add(kind: string, status: 'active' | 'disabled' = 'active') {
      return okBody(
        await h.maintainer.admin.add({ body: { kind, payload: telegramPayload(), status } }),
      ).credential;
    }

    describe('admin/stats', () => {
      it('counts each pool by state with 60 minute buckets of grants and exhausted answers', async () => {
        const kind = uniqueKind('stats');
        await add(kind);
        await add(kind);
        await add(kind, 'disabled');
        okBody(await h.ci.acquire({ body: { kind, ownerId: 'o1', actorRole: 'ci' } }));
        okBody(await h.ci.acquire({ body: { kind, ownerId: 'o2', actorRole: 'ci' } }));
        expectError(
          await h.ci.acquire({ body: { kind, ownerId: 'o3', actorRole: 'ci' } }),
          409,
          'POOL_EXHAUSTED',
        );
        const before = await store.now();
        const { kinds } = okBody(await h.maintainer.admin.stats({ body: { kind } }));
        expect(kinds).toHaveLength(1);
        const [pool] = kinds;
        expect(pool).toMatchObject({
          kind,
          free: 0,
          leased: 2,
          quarantined: 0,
          disabled: 1,
          waiting: 0,
        });
        const buckets = pool!.lastHour;
        expect(buckets).toHaveLength(STATS_BUCKET_COUNT);
        for (let i = 1; i < buckets.length; i++) {
          expect(buckets[i]!.atMs - buckets[i - 1]!.atMs).toBe(MINUTE);
        }
        expect(buckets.at(-1)!.atMs % MINUTE).toBe(0);
        expect(before - buckets.at(-1)!.atMs).toBeLessThan(2 * MINUTE);
        expect(buckets.reduce((sum, b) => sum + b.grants, 0)).toBe(2);
        expect(buckets.reduce((sum, b) => sum + b.exhausted, 0)).toBe(1);
      });

      it('lists every pool in kind order, and a kind only ever asked for, with zero counts', async () => {
        const base = uniqueKind('order');
        await add(`${base}-b`);
        await add(`${base}-a`);
        expectError(
          await h.ci.acquire({ body: { kind: `${base}-c`, ownerId: 'o', actorRole: 'ci' } }),
          409,
          'POOL_EXHAUSTED',
        );
        const { kinds } = okBody(await h.maintainer.admin.stats({ body: {} }));
        const ours = kinds.filter((entry) => entry.kind.startsWith(base));
        expect(ours.map((entry) => entry.kind)).toEqual([`${base}-a`, `${base}-b`, `${base}-c`]);
        expect(ours[2]).toMatchObject({ free: 0, leased: 0, disabled: 0 });
        expect(ours[2]!.lastHour.reduce((sum, b) => sum + b.exhausted, 0)).toBe(1);
        expect(ours[0]!.lastHour.every((b) => b.grants === 0 && b.exhausted === 0)).toBe(true);
      });

      it('counts a lease whose time ran out as free', async () => {
        const kind = uniqueKind('expired');
        await add(kind);
        const now = await store.now();
        const granted = await store.acquire({
          kind,
          ownerId: 'old',
          actorRole: 'ci',
          leaseToken: storedLeaseToken('fake-old-token'),
          leaseTtlMs: 30_000,
          nowMs: now - 5 * MINUTE,
        });
        expect(granted.ok).toBe(true);
        const { kinds } = okBody(await h.maintainer.admin.stats({ body: { kind } }));
        expect(kinds[0]).toMatchObject({ free: 1, leased: 0 });
        // Five minutes ago is inside the hour: the grant is in an older bucket.
        const withGrant = kinds[0]!.lastHour.findIndex((b) => b.grants > 0);
        expect(withGrant).toBeGreaterThanOrEqual(STATS_BUCKET_COUNT - 7);
        expect(withGrant).toBeLessThan(STATS_BUCKET_COUNT - 4);
      });

      it('is for the maintainer only', async () => {
        expectError(await h.ci.admin.stats({ body: {} }), 403, 'AUTH_ROLE_MISMATCH');
        expectError(
          await h.clientWith('fake-wrong').admin.stats({ body: {} }),
          401,
          'AUTH_INVALID',
        );
        expectError(
          await h.maintainer.admin.stats({ body: { kind: 7 as never } }),
          400,
          'INVALID_BODY',
        );
      });
    });

    describe('admin/list paging', () => {
      it('answers nextCursor only while more remain, and pages through every credential once', async () => {
        const kind = uniqueKind('paging');
        const added = [];
        for (let i = 0; i < 5; i++) added.push(await add(kind, i === 2 ? 'disabled' : 'active'));
        const whole = okBody(await h.maintainer.admin.list({ body: { kind } }));
        expect(whole.credentials).toHaveLength(5);
        expect(whole).not.toHaveProperty('nextCursor');

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = okBody(
            await h.maintainer.admin.list({
              body: { kind, limit: 2, ...(cursor ? { cursor } : {}) },
            }),
          );
          seen.push(...page.credentials.map((c) => c.credentialId));
          cursor = page.nextCursor;
          pages += 1;
          if (cursor === undefined) expect(page).not.toHaveProperty('nextCursor');
        } while (cursor !== undefined && pages < 10);
        expect(pages).toBe(3);
        expect(seen).toEqual(whole.credentials.map((c) => c.credentialId));

        // A full last page has no nextCursor either.
        const exact = okBody(await h.maintainer.admin.list({ body: { kind, limit: 5 } }));
        expect(exact.credentials).toHaveLength(5);
        expect(exact).not.toHaveProperty('nextCursor');
      });

      it('refuses a cursor it did not issue', async () => {
        expectError(
          await h.maintainer.admin.list({ body: { cursor: 'not-a-cursor' } }),
          400,
          'INVALID_BODY',
          'Expected "cursor" to be the nextCursor of a previous page.',
        );
        expectError(
          await h.maintainer.admin.list({ body: { cursor: 5 as never } }),
          400,
          'INVALID_BODY',
        );
      });
    });

    describe('GET /dashboard', () => {
      it('serves the page with the security headers and the endpoint prefix, escaped', async () => {
        const page = await h.raw('/dashboard', { method: 'GET' });
        expect(page.status).toBe(200);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        const csp = String(page.headers['content-security-policy']);
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
        expect(page.headers['x-content-type-options']).toBe('nosniff');
        expect(page.headers['referrer-policy']).toBe('no-referrer');
        expect(page.text).toContain(
          '<meta name="qa-broker-endpoint-prefix" content="/qa&#38;broker/v1">',
        );
        expect(page.text).not.toContain(MAINTAINER_SECRET);
      });

      it('serves the assets with the same headers, and 404s the rest under /dashboard too', async () => {
        const script = await h.raw('/dashboard/app.js', { method: 'GET' });
        expect(script.status).toBe(200);
        expect(script.headers['content-type']).toMatch(/javascript/);
        expect(script.headers['x-content-type-options']).toBe('nosniff');
        for (const path of [
          '/dashboard/missing.js',
          '/dashboard/..%2fpackage.json',
          '/dashboard/index.html',
        ]) {
          const missing = await h.raw(path, { method: 'GET' });
          expect(missing.status).toBe(404);
          expect(missing.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        }
        const redirected = await h.raw('/dashboard/', { method: 'GET' });
        expect([redirected.status, redirected.headers.location]).toEqual([308, '/dashboard']);
        const posted = await h.raw('/dashboard', { method: 'POST', body: {} });
        expect(posted.status).toBe(404);
      });
    });
  });
}
