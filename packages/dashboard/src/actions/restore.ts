import { expectOk } from '../api.js';
import type { CredentialAction } from './registry.js';

/**
 * admin/restore: clears a quarantine, resets the broken reports and re-enables a disabled
 * credential; the broker hands it to the head waiter, if any.
 */
export const restoreAction: CredentialAction = {
  id: 'restore',
  label: 'Restore',
  confirmLabel: 'Restore credential',
  // Offered whenever there is something to undo; on a healthy one it would change nothing.
  available: (credential) =>
    credential.status === 'disabled' ||
    credential.quarantine !== undefined ||
    credential.brokenReports !== undefined,
  question: (credential) =>
    `Restore credential ${credential.credentialId} (${credential.kind})? Its quarantine and broken reports are cleared, it is enabled again and can be leased at once.`,
  async run(client, credential) {
    const body = await expectOk(
      client.restore({ body: { credentialId: credential.credentialId } }),
    );
    return body.changed
      ? `Restored ${credential.credentialId}.`
      : `${credential.credentialId} needed no restoring.`;
  },
};
