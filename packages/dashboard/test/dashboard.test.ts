import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { CI_SECRET, MAINTAINER_SECRET, startBroker, type RunningBroker } from './support/broker.js';
import { SCREENSHOT_DIR, screenshot, seriousAxeViolations, signIn } from './support/page.js';

/** The spec's freshness bound: what the API changes shows on the page within 2 s. */
const FRESH_MS = 2_000;

let broker: RunningBroker;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
const requestUrls: string[] = [];
const bearerRequests: string[] = [];
const pageErrors: string[] = [];

let sequence = 0;
const uniqueKind = (label: string) => `${label}-${process.pid}-${++sequence}`;

function okBody<T extends { status: number; body: unknown }>(response: T) {
  expect(response.status).toBe(200);
  return response.body as Extract<T, { status: 200 }>['body'];
}

async function addCredential(
  kind: string,
  extra: { note?: string; payload?: Record<string, unknown> } = {},
) {
  return okBody(
    await broker.maintainer.admin.add({
      body: {
        kind,
        payload: extra.payload ?? { fakeToken: 'fake-value' },
        ...(extra.note ? { note: extra.note } : {}),
      },
    }),
  ).credential;
}

async function acquire(kind: string, ownerId = 'ci-lane-1') {
  return okBody(await broker.ci.acquire({ body: { kind, ownerId, actorRole: 'ci' } }));
}

/** Queues a ticket on an exhausted pool and answers at once (409), as the spec's maxWaitMs 0 does. */
async function queueTicket(kind: string, ownerId: string, ticket: string) {
  const refused = await broker.ci.acquire({
    body: { kind, ownerId, actorRole: 'ci', wait: { ticket, maxWaitMs: 0 } },
  });
  expect([refused.status, (refused.body as { code?: string }).code]).toEqual([
    409,
    'POOL_EXHAUSTED',
  ]);
}

/** What admin/queue shows in place of a ticket: `sha256:` + 16 hex digits. */
const fingerprintOf = (ticket: string) =>
  `sha256:${createHash('sha256').update(ticket).digest('hex').slice(0, 16)}`;

/** The whole page as text a reader of the DOM or the tab's storage could find. */
async function everythingInPage(target: Page): Promise<string> {
  return target.evaluate(
    () =>
      document.documentElement.outerHTML +
      JSON.stringify(Object.entries(sessionStorage)) +
      JSON.stringify(Object.entries(localStorage)),
  );
}

async function injectedMarkup(target: Page) {
  return target.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: string }).__pwned,
    images: document.querySelectorAll('main img').length,
    scripts: document.querySelectorAll('main script').length,
    bold: document.querySelectorAll('main b').length,
    svgWithOnload: document.querySelectorAll('svg[onload]').length,
  }));
}

const NOTHING_INJECTED = { pwned: undefined, images: 0, scripts: 0, bold: 0, svgWithOnload: 0 };

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const created = await context.newPage();
  await created.setViewportSize(viewport);
  created.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  created.on('pageerror', (error) => pageErrors.push(error.message));
  created.on('request', (request) => {
    requestUrls.push(request.url());
    if (request.headers().authorization === `Bearer ${MAINTAINER_SECRET}`) {
      bearerRequests.push(new URL(request.url()).pathname);
    }
  });
  return created;
}

beforeAll(async () => {
  [broker, browser] = await Promise.all([startBroker(), launchChromium()]);
  context = await browser.newContext();
  page = await newPage();
});

// A test that fails with its confirmation dialog open would leave the page inert (the
// dialog is modal) and fail every test after it: close it, so each failure stays its own.
afterEach(async () => {
  const cancel = page?.getByRole('dialog').getByRole('button', { name: 'Cancel' });
  if (cancel && (await cancel.count()) > 0) await cancel.click({ timeout: 5_000 });
});

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
});

describe('dashboard in headless Chromium', () => {
  it('is served at /dashboard with the security headers of the spec', async () => {
    const response = await fetch(broker.dashboardUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('refuses a wrong secret and the CI secret plainly, then signs in with the right one', async () => {
    await signIn(page, broker.dashboardUrl, 'fake-wrong-secret');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong secret');
    await screenshot(page, 'sign-in-wrong-secret');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await signIn(page, broker.dashboardUrl, CI_SECRET);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('not the maintainer secret');

    await signIn(page, broker.dashboardUrl, MAINTAINER_SECRET);
    await page.getByRole('heading', { name: 'Pools' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('keeps the secret in sessionStorage only: not in localStorage, a cookie or the URL', async () => {
    const storage = await page.evaluate(() => ({
      session: Object.fromEntries(Object.entries(sessionStorage)),
      localCount: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    expect(Object.values(storage.session)).toEqual([MAINTAINER_SECRET]);
    expect(storage.localCount).toBe(0);
    expect(storage.cookie).toBe('');
    expect(storage.url).not.toContain(MAINTAINER_SECRET);
    expect(await context.cookies()).toEqual([]);
    // Sent as a bearer header to the v1 routes only, never in a URL.
    expect(bearerRequests.length).toBeGreaterThan(0);
    expect(bearerRequests.every((path) => path.startsWith('/qa-credentials/v1/admin/'))).toBe(true);
    expect(requestUrls.some((url) => url.includes(MAINTAINER_SECRET))).toBe(false);
    // Survives a reload of the tab (sessionStorage), without asking again.
    await page.reload();
    await page.getByRole('heading', { name: 'Pools' }).waitFor();
  });

  it('shows a credential added and a lease taken through the API within 2 s', async () => {
    const kind = uniqueKind('fresh');
    await page.getByRole('heading', { name: 'Pools' }).waitFor();
    const credential = await addCredential(kind, { note: 'added by the browser test' });
    const added = Date.now();
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    expect(Date.now() - added).toBeLessThan(FRESH_MS);
    await expect.poll(() => row.textContent()).toContain('free');

    await acquire(kind, 'ci-lane-fresh');
    const leased = Date.now();
    const leaseRow = page.locator(`#leases tr[data-credential-id="${credential.credentialId}"]`);
    await leaseRow.waitFor({ timeout: FRESH_MS });
    expect(Date.now() - leased).toBeLessThan(FRESH_MS);
    expect(await leaseRow.textContent()).toContain('ci-lane-fresh');
    const pool = page.locator(`#pools li[data-kind="${kind}"]`);
    await expect
      .poll(() => pool.locator('[data-count="leased"]').textContent(), { timeout: FRESH_MS })
      .toBe('1');
    await expect
      .poll(() => pool.locator('figcaption').textContent(), { timeout: FRESH_MS })
      .toContain('1 granted');

    // The time left counts down without a reload.
    const timeLeft = leaseRow.locator('[data-time-left]');
    const first = await timeLeft.textContent();
    await expect.poll(() => timeLeft.textContent(), { timeout: 3_000 }).not.toBe(first);
  });

  it('removes a credential only once confirmed, by keyboard, and says so', async () => {
    const kind = uniqueKind('remove');
    const credential = await addCredential(kind, { note: 'to be removed' });
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    const button = row.getByRole('button', { name: `Remove ${credential.credentialId}` });

    // Escape cancels: nothing changes.
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(credential.credentialId);
    await screenshot(page, 'confirm-remove');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const stillActive = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(stillActive[0]?.status).toBe('active');

    // Confirmed with the keyboard: Cancel has the focus, Tab moves to the confirm button.
    await button.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Removed ${credential.credentialId}`);
    const listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.status).toBe('disabled');
    await expect.poll(() => row.textContent(), { timeout: FRESH_MS }).toContain('disabled');
  });

  it('shows the broker refusal in the dialog: a credential leased meanwhile is not removed', async () => {
    const kind = uniqueKind('leased-remove');
    const credential = await addCredential(kind);
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    await row.getByRole('button', { name: `Remove ${credential.credentialId}` }).click();
    await page.getByRole('dialog').waitFor();
    await acquire(kind);
    await page.getByRole('button', { name: 'Remove credential' }).click();
    await expect
      .poll(() => page.getByRole('dialog').getByRole('alert').textContent())
      .toMatch(/lease/i);
    await page.getByRole('button', { name: 'Cancel' }).click();
    const listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.status).toBe('active');
    // A leased credential offers no Remove button.
    await expect
      .poll(() => row.getByRole('button', { name: `Remove ${credential.credentialId}` }).count(), {
        timeout: FRESH_MS,
      })
      .toBe(0);
  });

  it('quarantines a credential with a reason only once confirmed, and shows who and why', async () => {
    const kind = uniqueKind('quarantine');
    const credential = await addCredential(kind, { note: 'to be quarantined' });
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    const button = row.getByRole('button', { name: `Quarantine ${credential.credentialId}` });

    // Escape cancels: nothing changes.
    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(credential.credentialId);
    await dialog.getByLabel('Reason').fill('typed, then cancelled');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    let listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.quarantine).toBeUndefined();

    // Confirmed: the reason typed in the dialog is the one kept and shown.
    await button.click();
    await dialog.waitFor();
    // A new dialog starts empty: the cancelled reason is not kept.
    expect(await dialog.getByLabel('Reason').inputValue()).toBe('');
    await dialog.getByLabel('Reason').fill('bot token revoked upstream');
    await screenshot(page, 'confirm-quarantine');
    await dialog.getByRole('button', { name: 'Quarantine credential' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Quarantined ${credential.credentialId}`);
    listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.quarantine).toMatchObject({
      reason: 'bot token revoked upstream',
      actorRole: 'maintainer',
    });
    expect(listed[0]?.status).toBe('active');
    await expect.poll(() => row.textContent(), { timeout: FRESH_MS }).toContain('quarantined');
    // The state and the quarantine cell can come from different polls: wait for the cell too.
    await expect
      .poll(() => row.locator('td.quarantine').textContent(), { timeout: FRESH_MS })
      .toMatch(/bot token revoked upstream\s*reported by .+ \(maintainer\)/);
    // Quarantined once: no second Quarantine button, a Restore button instead.
    expect(await button.count()).toBe(0);
    expect(
      await row.getByRole('button', { name: `Restore ${credential.credentialId}` }).count(),
    ).toBe(1);

    // The state filter finds it; "free" does not.
    const filters = page.getByRole('search', { name: 'Filter credentials' });
    await filters.getByLabel('Kind').selectOption(kind);
    await filters.getByLabel('State').selectOption('quarantined');
    await expect.poll(() => page.locator('#credentials tbody tr').count()).toBe(1);
    await filters.getByLabel('State').selectOption('free');
    await expect.poll(() => page.locator('#credentials tbody tr').count()).toBe(0);
    await filters.getByLabel('State').selectOption('all');
    await filters.getByLabel('Kind').selectOption('');

    // The pool counts it as quarantined, not free.
    const pool = page.locator(`#pools li[data-kind="${kind}"]`);
    await expect
      .poll(() => pool.locator('[data-count="quarantined"]').textContent(), { timeout: FRESH_MS })
      .toBe('1');
    expect(await pool.locator('[data-count="free"]').textContent()).toBe('0');
  });

  it('restores a quarantined credential only once confirmed, and it is free again', async () => {
    const kind = uniqueKind('restore');
    const credential = await addCredential(kind);
    okBody(
      await broker.maintainer.admin.quarantine({
        body: { credentialId: credential.credentialId, reason: 'flaky login', actorId: 'alice' },
      }),
    );
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    await expect.poll(() => row.textContent(), { timeout: FRESH_MS }).toContain('flaky login');
    expect(await row.textContent()).toContain('reported by alice (maintainer)');
    const button = row.getByRole('button', { name: `Restore ${credential.credentialId}` });

    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    let listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.quarantine?.reason).toBe('flaky login');

    // Confirmed with the keyboard: Cancel has the focus, Tab moves to the confirm button.
    await button.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Restored ${credential.credentialId}`);
    listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.quarantine).toBeUndefined();
    await expect
      .poll(() => row.locator('.state').textContent(), { timeout: FRESH_MS })
      .toBe('free');
    await expect
      .poll(() => row.locator('td.quarantine').textContent(), { timeout: FRESH_MS })
      .toBe('');
    expect(await button.count()).toBe(0);
    // And it can be leased again.
    await acquire(kind, 'ci-after-restore');
  });

  it('edits a note from its current text only once confirmed, and clears it with ""', async () => {
    const kind = uniqueKind('note');
    const credential = await addCredential(kind, { note: 'old note' });
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    const button = row.getByRole('button', { name: `Edit note ${credential.credentialId}` });
    const dialog = page.getByRole('dialog');

    // The field starts from the current note; Escape throws the edit away.
    await button.click();
    await dialog.waitFor();
    const field = dialog.getByLabel('Note');
    expect(await field.inputValue()).toBe('old note');
    await field.fill('never saved');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    let listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.note).toBe('old note');

    await button.click();
    await dialog.waitFor();
    expect(await field.inputValue()).toBe('old note');
    await field.fill('bot pair B, rotated');
    await dialog.getByRole('button', { name: 'Save note' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Saved the note of ${credential.credentialId}`);
    listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.note).toBe('bot pair B, rotated');
    await expect
      .poll(() => row.locator('td.note').textContent(), { timeout: FRESH_MS })
      .toBe('bot pair B, rotated');

    // An empty note clears it.
    await button.click();
    await dialog.waitFor();
    expect(await field.inputValue()).toBe('bot pair B, rotated');
    await field.fill('');
    await dialog.getByRole('button', { name: 'Save note' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain(`Cleared the note of ${credential.credentialId}`);
    listed = okBody(await broker.maintainer.admin.list({ body: { kind } })).credentials;
    expect(listed[0]?.note).toBeUndefined();
    await expect.poll(() => row.locator('td.note').textContent(), { timeout: FRESH_MS }).toBe('');
  });

  it('shows who waits in each queue by ticket fingerprint, never the ticket, owner id as text', async () => {
    const kind = uniqueKind('queue');
    await addCredential(kind);
    await acquire(kind, 'ci-holder');
    const ticket = `fake-ticket-${randomUUID()}`;
    const ownerId = `<img src=x onerror="window.__pwned='waiter'">-lane-${process.pid}`;
    await queueTicket(kind, ownerId, ticket);
    const queued = Date.now();
    const waiter = page.locator(
      `#queues section[data-kind="${kind}"] tr[data-fingerprint="${fingerprintOf(ticket)}"]`,
    );
    await waiter.waitFor({ timeout: FRESH_MS });
    expect(Date.now() - queued).toBeLessThan(FRESH_MS);
    const cells = await waiter.locator('td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['1', fingerprintOf(ticket), ownerId, 'ci', '0']);
    expect(['parked', 'polling', 'reserved']).toContain(cells[6]);
    const pool = page.locator(`#pools li[data-kind="${kind}"]`);
    await expect
      .poll(() => pool.locator('[data-count="waiting"]').textContent(), { timeout: FRESH_MS })
      .toBe('1');
    await page.locator('#queues').screenshot({ path: join(SCREENSHOT_DIR, 'queues-1280.png') });

    expect(await injectedMarkup(page)).toEqual(NOTHING_INJECTED);
    const everything = await everythingInPage(page);
    expect(everything).toContain(fingerprintOf(ticket));
    expect(everything).not.toContain(ticket);
  });

  it('renders a quarantine reason and a reporting owner id holding HTML or script as text', async () => {
    const kind = uniqueKind('broken');
    const credential = await addCredential(kind);
    const ownerId = `<svg onload="window.__pwned='reporter'"></svg>`;
    const reason = `<script>window.__pwned='reason'</script><b>login failed</b>`;
    const lease = await acquire(kind, ownerId);
    // A broken release quarantines it (the default threshold is one report).
    okBody(
      await broker.ci.release({
        body: {
          kind,
          ownerId,
          actorRole: 'ci',
          credentialId: credential.credentialId,
          leaseToken: lease.leaseToken,
          outcome: 'broken',
          reason,
        },
      }),
    );
    const cell = page.locator(
      `#credentials tr[data-credential-id="${credential.credentialId}"] td.quarantine`,
    );
    await expect.poll(() => cell.textContent(), { timeout: FRESH_MS }).toContain(reason);
    expect(await cell.textContent()).toContain(`reported by ${ownerId} (ci)`);
    expect(await injectedMarkup(page)).toEqual(NOTHING_INJECTED);
  });

  it('renders kinds, notes and owner ids holding HTML or script as text, running nothing', async () => {
    const kind = `<img src=x onerror="window.__pwned='kind'">-${process.pid}`;
    const note = `<script>window.__pwned='note'</script><b>bold?</b>`;
    const ownerId = `<svg onload="window.__pwned='owner'"></svg>`;
    const credential = await addCredential(kind, { note });
    await acquire(kind, ownerId);
    const row = page.locator(`#credentials tr[data-credential-id="${credential.credentialId}"]`);
    await row.waitFor({ timeout: FRESH_MS });
    await page
      .locator(`#leases tr[data-credential-id="${credential.credentialId}"]`)
      .waitFor({ timeout: FRESH_MS });
    expect(await row.textContent()).toContain(note);
    expect(await row.textContent()).toContain(kind);
    expect(await page.locator('#leases').textContent()).toContain(ownerId);
    // admin/stats is polled apart from admin/list: the pool card may land a poll later.
    await expect
      .poll(() => page.locator('#pools').textContent(), { timeout: FRESH_MS })
      .toContain(kind);
    expect(await injectedMarkup(page)).toEqual(NOTHING_INJECTED);
  });

  it('never holds a payload or a lease token anywhere in the page', async () => {
    const kind = uniqueKind('secret');
    const payloadValue = `fake-payload-value-${process.pid}-never-shown`;
    const credential = await addCredential(kind, { payload: { botToken: payloadValue } });
    const lease = await acquire(kind);
    await page
      .locator(`#leases tr[data-credential-id="${credential.credentialId}"]`)
      .waitFor({ timeout: FRESH_MS });
    // Let the event trail pick the acquire up too.
    await page.waitForTimeout(FRESH_MS);
    const everything = await everythingInPage(page);
    expect(everything).toContain(credential.credentialId);
    expect(everything).not.toContain(payloadValue);
    expect(everything).not.toContain(lease.leaseToken);
    expect(everything).not.toContain('botToken');
  });

  it('pages and filters the event trail', async () => {
    const kind = uniqueKind('events');
    const credential = await addCredential(kind);
    for (let i = 0; i < 3; i++) {
      const lease = await acquire(kind, `owner-${i}`);
      okBody(
        await broker.ci.release({
          body: {
            kind,
            ownerId: `owner-${i}`,
            actorRole: 'ci',
            credentialId: credential.credentialId,
            leaseToken: lease.leaseToken,
          },
        }),
      );
    }
    const events = page.locator('#events');
    await events.getByLabel('Kind').fill(kind);
    await events.getByLabel('Type').selectOption('acquire');
    await expect.poll(() => events.locator('tbody tr').count(), { timeout: FRESH_MS }).toBe(3);
    expect(await events.locator('tbody tr[data-event-type="acquire"]').count()).toBe(3);
    await events.getByLabel('Type').selectOption('');
    // 1 add + 3 acquire + 3 release = 7 events; 50 per page: one page, no next.
    await expect.poll(() => events.locator('tbody tr').count(), { timeout: FRESH_MS }).toBe(7);
    expect(await events.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await screenshot(page, 'events');

    // 22 more acquire/release pairs: 51 events, so a second page of one.
    for (let i = 0; i < 22; i++) {
      const lease = await acquire(kind, `owner-more-${i}`);
      okBody(
        await broker.ci.release({
          body: {
            kind,
            ownerId: `owner-more-${i}`,
            actorRole: 'ci',
            credentialId: credential.credentialId,
            leaseToken: lease.leaseToken,
          },
        }),
      );
    }
    const next = events.getByRole('button', { name: 'Next page' });
    await expect.poll(() => next.isDisabled(), { timeout: FRESH_MS }).toBe(false);
    expect(await events.locator('tbody tr').count()).toBe(50);
    await next.click();
    await expect.poll(() => events.locator('tbody tr').count(), { timeout: FRESH_MS }).toBe(1);
    expect(await events.getByText('Page 2').count()).toBe(1);
    expect(await events.locator('tbody tr').first().textContent()).toContain('owner-more-21');
    await events.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => events.locator('tbody tr').count(), { timeout: FRESH_MS }).toBe(50);
  });

  it('has no serious or critical accessibility violations, signed in or not', async () => {
    await page.getByRole('heading', { name: 'Credentials' }).waitFor();
    await page.locator('#credentials tbody tr').first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    const signedOut = await newPage();
    await signedOut.goto(broker.dashboardUrl);
    await signedOut.getByLabel('Maintainer secret').waitFor();
    expect(await seriousAxeViolations(signedOut)).toEqual([]);
    await signedOut.close();
  });

  it('takes the screenshots at 1280 px and fits a phone without sideways scrolling', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'dashboard-1280', true);
    await page.locator('#pools').screenshot({ path: join(SCREENSHOT_DIR, 'pools-1280.png') });
    await page
      .locator('#credentials')
      .screenshot({ path: join(SCREENSHOT_DIR, 'credentials-1280.png') });
    // A new tab has its own sessionStorage: it signs in again.
    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone, broker.dashboardUrl, MAINTAINER_SECRET);
    await phone.getByRole('heading', { name: 'Pools' }).waitFor();
    await phone.locator('#credentials tbody tr').first().waitFor();
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, 'dashboard-phone', true);
    await phone.close();
  });

  it('signs out: the secret is gone and the sign-in form is back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Maintainer secret').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.getByLabel('Maintainer secret').waitFor();
  });

  it('broke no content security rule and threw no error on any page', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
