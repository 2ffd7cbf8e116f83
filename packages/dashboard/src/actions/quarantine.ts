import { MAX_LENGTHS } from '@qa-broker/contract';
import { expectOk } from '../api.js';
import type { CredentialAction } from './registry.js';

/**
 * admin/quarantine: never grant the credential again until restored. Allowed while leased:
 * the holder keeps its lease.
 */
export const quarantineAction: CredentialAction = {
  id: 'quarantine',
  label: 'Quarantine',
  destructive: true,
  confirmLabel: 'Quarantine credential',
  available: (credential) => credential.status === 'active' && !credential.quarantine,
  question: (credential) =>
    `Quarantine credential ${credential.credentialId} (${credential.kind})? It is not leased again until restored; a current holder keeps its lease.`,
  input: {
    label: 'Reason (optional, shown in the table)',
    initial: () => '',
    maxLength: MAX_LENGTHS.reason,
  },
  async run(client, credential, input) {
    const reason = input.trim();
    const body = await expectOk(
      client.quarantine({
        body: { credentialId: credential.credentialId, ...(reason ? { reason } : {}) },
      }),
    );
    return body.changed
      ? `Quarantined ${credential.credentialId}.`
      : `${credential.credentialId} was already quarantined.`;
  },
};
