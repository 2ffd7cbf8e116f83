import type { CredentialSummary } from '@qa-broker/contract';
import { describe, expect, it } from 'vitest';
import { credentialState, isLeased } from '../src/credential-state.js';

const NOW = 1_800_000_000_000;

const base: CredentialSummary = {
  credentialId: 'cred-1',
  kind: 'discord',
  status: 'active',
  createdAtMs: NOW - 60_000,
  updatedAtMs: NOW - 60_000,
  lastLeasedAtMs: 0,
};
const lease = {
  ownerId: 'ci-lane-1',
  actorRole: 'ci' as const,
  acquiredAtMs: NOW - 10_000,
  heartbeatAtMs: NOW - 5_000,
  expiresAtMs: NOW + 60_000,
};
const quarantine = {
  reason: 'login failed',
  reportedBy: 'ci-lane-1',
  actorRole: 'ci' as const,
  atMs: NOW - 1_000,
};

/** One state each, in admin/stats' precedence: disabled, quarantined, leased, free. */
describe('credentialState', () => {
  it('is free when active, healthy and not held', () => {
    expect(credentialState(base, NOW)).toBe('free');
  });

  it('is leased while the lease has time left by the page clock, free once it ran out', () => {
    expect(credentialState({ ...base, lease }, NOW)).toBe('leased');
    expect(credentialState({ ...base, lease }, lease.expiresAtMs)).toBe('free');
  });

  it('is quarantined even while its holder keeps the lease', () => {
    const held = { ...base, lease, quarantine };
    expect(credentialState(held, NOW)).toBe('quarantined');
    expect(isLeased(held, NOW)).toBe(true);
  });

  it('is disabled before anything else', () => {
    expect(credentialState({ ...base, status: 'disabled', quarantine }, NOW)).toBe('disabled');
  });

  it('stays free with broken reports below the quarantine threshold', () => {
    expect(credentialState({ ...base, brokenReports: 1 }, NOW)).toBe('free');
  });
});
