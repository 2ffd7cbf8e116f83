import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { MAINTAINER_SECRET, startBroker, type RunningBroker } from './support/broker.js';
import { SCREENSHOT_DIR, screenshot, signIn } from './support/page.js';

/**
 * The README's pictures: a broker with a few realistic pools (one starving with a waiter
 * queued, one with a removed credential, one with a quarantined one), shot at 1280 px into the ignored screenshots/ folder. The two in
 * docs/ are copies of dashboard-overview.png and dashboard-credentials.png.
 */
let broker: RunningBroker;
let browser: Browser;

/** Obviously fake payloads that pass each kind's validation. */
const PAYLOADS: Record<string, Record<string, unknown>> = {
  discord: {
    guildId: '100000000000000001',
    channelId: '100000000000000002',
    driverBotToken: 'fake-driver-bot-token',
    sutBotToken: 'fake-sut-bot-token',
    sutApplicationId: '100000000000000003',
  },
  telegram: { groupId: '-1001000000000', driverToken: 'fake-driver', sutToken: 'fake-sut' },
  whatsapp: {
    driverPhoneE164: '+15550100',
    sutPhoneE164: '+15550101',
    driverAuthArchiveBase64: 'ZmFrZQ==',
    sutAuthArchiveBase64: 'ZmFrZQ==',
  },
};

const POOLS: { kind: string; notes: string[]; leases: number; exhausted: number }[] = [
  { kind: 'discord', notes: ['bot pair A', 'bot pair B', 'bot pair C'], leases: 1, exhausted: 0 },
  {
    kind: 'telegram',
    notes: ['release lane 1', 'release lane 2', 'nightly', 'spare'],
    leases: 2,
    exhausted: 0,
  },
  {
    kind: 'whatsapp',
    notes: ['+1 555 0100 (fake)', '+1 555 0101 (fake)'],
    leases: 2,
    exhausted: 3,
  },
];

beforeAll(async () => {
  [broker, browser] = await Promise.all([startBroker(), launchChromium()]);
  let lane = 0;
  for (const pool of POOLS) {
    const ids: string[] = [];
    for (const note of pool.notes) {
      const added = await broker.maintainer.admin.add({
        body: { kind: pool.kind, note, payload: PAYLOADS[pool.kind]!, actorId: 'alice' },
      });
      expect([added.status, JSON.stringify(added.body)]).toEqual([200, expect.any(String)]);
      if (added.status === 200) ids.push(added.body.credential.credentialId);
    }
    for (let i = 0; i < pool.leases; i++) {
      lane += 1;
      const lease = await broker.ci.acquire({
        body: { kind: pool.kind, ownerId: `ci/release-${lane}`, actorRole: 'ci' },
      });
      expect(lease.status).toBe(200);
    }
    for (let i = 0; i < pool.exhausted; i++) {
      const refused = await broker.ci.acquire({
        body: { kind: pool.kind, ownerId: `ci/nightly-${i}`, actorRole: 'ci' },
      });
      expect(refused.status).toBe(409);
    }
    if (pool.kind === 'telegram') {
      const quarantined = await broker.maintainer.admin.quarantine({
        body: {
          credentialId: ids.at(-1)!,
          reason: 'bot kicked from the test group',
          actorId: 'alice',
        },
      });
      expect(quarantined.status).toBe(200);
    }
    if (pool.kind === 'discord') {
      const removed = await broker.maintainer.admin.remove({
        body: { credentialId: ids.at(-1)!, actorId: 'alice' },
      });
      expect(removed.status).toBe(200);
    }
  }
});

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
});

describe('README screenshots', () => {
  it('shoots the overview and the credentials table at 1280 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, broker.dashboardUrl, MAINTAINER_SECRET);
    await page.locator('#pools li[data-kind="whatsapp"]').waitFor();
    await page.locator('#leases tbody tr').nth(4).waitFor();
    await page.locator('#events tbody tr').first().waitFor();
    // A waiter on the starving pool. maxWaitMs 0 answers at once and the ticket stays
    // queued for the spec's 5 s grace, long enough for the next poll and the shot.
    const waiting = await broker.ci.acquire({
      body: {
        kind: 'whatsapp',
        ownerId: 'ci/release-7',
        actorRole: 'ci',
        wait: { ticket: `fake-ticket-${randomUUID()}`, maxWaitMs: 0 },
      },
    });
    expect(waiting.status).toBe(409);
    await page.locator('#queues tbody tr').first().waitFor();
    expect(await page.locator('#pools li').count()).toBe(3);
    await screenshot(page, 'dashboard-overview');
    await page.locator('#credentials').scrollIntoViewIfNeeded();
    await page.locator('#credentials').screenshot({
      path: join(SCREENSHOT_DIR, 'dashboard-credentials.png'),
    });
    await page.close();
  });
});
