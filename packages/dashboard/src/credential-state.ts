import type { CredentialSummary } from '@qa-broker/contract';

/**
 * How the dashboard shows a credential, one state each as admin/stats counts them:
 * disabled, else quarantined, else leased (by the page clock), else free. A quarantined
 * credential may still be held (the holder keeps its lease); it is never granted again.
 */
export type CredentialState = 'free' | 'leased' | 'quarantined' | 'disabled';

export function credentialState(credential: CredentialSummary, now: number): CredentialState {
  if (credential.status === 'disabled') return 'disabled';
  if (credential.quarantine) return 'quarantined';
  if (isLeased(credential, now)) return 'leased';
  return 'free';
}

/** A live lease by the page clock, whatever the state shown (a quarantined one can be held). */
export function isLeased(credential: CredentialSummary, now: number): boolean {
  return credential.lease !== undefined && credential.lease.expiresAtMs > now;
}
