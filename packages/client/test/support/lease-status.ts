import type { CredentialSummary } from '@qa-broker/contract';
import type { BrokerClient } from '../../src/index.js';

/** The broker's view of one credential, through the admin list. */
export async function summaryOf(
  admin: BrokerClient,
  kind: string,
  credentialId: string,
): Promise<CredentialSummary> {
  const found = (await admin.listCredentials({ kind, status: 'all' })).find(
    (credential) => credential.credentialId === credentialId,
  );
  if (!found) throw new Error(`credential ${credentialId} not listed`);
  return found;
}
