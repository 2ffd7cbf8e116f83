import { join } from 'node:path';
import { openPgliteStore } from '@qa-broker/store-postgres';
import { describe, expect, it } from 'vitest';
import { defaultDashboardDir } from '../src/dashboard-location.js';
import { startHarness } from './support/harness.js';

describe('where the dashboard comes from', () => {
  it('is the dashboard package dist directory, resolved as an installed package', () => {
    expect(defaultDashboardDir()).toBe(join(import.meta.dirname, '..', '..', 'dashboard', 'dist'));
  });

  it('says how to build it when its files are missing, and serves nothing when turned off', async () => {
    const store = await openPgliteStore({});
    const missing = await startHarness(store, { dashboardDir: '/nonexistent/qa-broker-dashboard' });
    const off = await startHarness(store, { dashboardDir: false });
    try {
      const page = await missing.raw('/dashboard', { method: 'GET' });
      expect(page.status).toBe(404);
      expect((page.json as { message: string }).message).toContain('pnpm build');
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      const none = await off.raw('/dashboard', { method: 'GET' });
      expect(none.status).toBe(404);
      expect(none.headers['content-security-policy']).toBeUndefined();
    } finally {
      await missing.close();
      await off.close();
      await store.close();
    }
  });
});
