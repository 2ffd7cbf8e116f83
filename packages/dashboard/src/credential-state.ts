import type { CredentialSummary } from '@qa-broker/contract';

/** How the dashboard shows a credential: disabled, else leased (by the page clock), else free. */
export type CredentialState = 'free' | 'leased' | 'disabled';

export function credentialState(credential: CredentialSummary, now: number): CredentialState {
  if (credential.status === 'disabled') return 'disabled';
  if (credential.lease && credential.lease.expiresAtMs > now) return 'leased';
  return 'free';
}
