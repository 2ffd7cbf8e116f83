import { expectOk } from '../api.js';
import type { CredentialAction } from './registry.js';

/** admin/remove: disables the credential (nothing is deleted). Refused while leased. */
export const removeAction: CredentialAction = {
  id: 'remove',
  label: 'Remove',
  destructive: true,
  confirmLabel: 'Remove credential',
  // The broker refuses while a lease is live (LEASE_ACTIVE); the dialog shows that too.
  available: (credential, now) =>
    credential.status === 'active' && !(credential.lease && credential.lease.expiresAtMs > now),
  question: (credential) =>
    `Remove credential ${credential.credentialId} (${credential.kind})? It is disabled, never deleted, and no longer leased.`,
  async run(client, credential) {
    const body = await expectOk(client.remove({ body: { credentialId: credential.credentialId } }));
    return body.changed
      ? `Removed ${credential.credentialId}.`
      : `${credential.credentialId} was already removed.`;
  },
};
