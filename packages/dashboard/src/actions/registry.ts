import type { CredentialSummary } from '@qa-broker/contract';
import type { AdminClient } from '../api.js';
import { editNoteAction } from './edit-note.js';
import { quarantineAction } from './quarantine.js';
import { removeAction } from './remove.js';
import { restoreAction } from './restore.js';

/**
 * A maintainer action on one credential. The page shows a button for each action whose
 * `available` holds, asks `question` in a confirmation dialog (with a text field when
 * `input` is set) and runs it only once confirmed.
 */
export interface CredentialAction {
  id: string;
  /** Button text, e.g. "Remove". */
  label: string;
  available(credential: CredentialSummary, now: number): boolean;
  /** What the confirmation dialog asks. */
  question(credential: CredentialSummary): string;
  /** The confirm button's text, e.g. "Remove credential". */
  confirmLabel: string;
  /** A text field in the dialog (a note, a reason). */
  input?: {
    label: string;
    initial(credential: CredentialSummary): string;
    maxLength: number;
  };
  /** Calls the broker; resolves to what the status line says afterwards. */
  run(client: AdminClient, credential: CredentialSummary, input: string): Promise<string>;
  /** Destructive actions get a red confirm button. */
  destructive?: boolean;
}

/** Every action the credentials table offers, in button order. */
export const CREDENTIAL_ACTIONS: readonly CredentialAction[] = [
  removeAction,
  restoreAction,
  quarantineAction,
  editNoteAction,
];
