import { MAX_LENGTHS } from '@qa-broker/contract';
import { expectOk } from '../api.js';
import type { CredentialAction } from './registry.js';

/** admin/update with the note only (the payload is never shown, so never edited here). */
export const editNoteAction: CredentialAction = {
  id: 'edit-note',
  label: 'Edit note',
  confirmLabel: 'Save note',
  available: () => true,
  question: (credential) =>
    `Change the note of credential ${credential.credentialId} (${credential.kind})? An empty note clears it.`,
  input: {
    label: 'Note',
    initial: (credential) => credential.note ?? '',
    maxLength: MAX_LENGTHS.note,
  },
  async run(client, credential, input) {
    // "" is the broker's instruction to clear the note.
    const note = input.trim();
    const body = await expectOk(
      client.update({ body: { credentialId: credential.credentialId, note } }),
    );
    if (!body.changed) return `The note of ${credential.credentialId} is unchanged.`;
    return note
      ? `Saved the note of ${credential.credentialId}.`
      : `Cleared the note of ${credential.credentialId}.`;
  },
};
