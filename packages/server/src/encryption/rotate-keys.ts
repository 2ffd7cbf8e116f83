import type { CredentialRecord, CredentialStore, StoredPayload } from '@qa-broker/store';
import { isSealedPiece, sealedKeyId } from './keyring.js';
import type { Keyring } from './keyring.js';

export interface RotationSummary {
  scanned: number;
  reEncrypted: number;
  alreadyCurrent: number;
  failed: number;
  /** Compare-and-set conflicts that were retried (another writer changed the payload). */
  conflictsRetried: number;
  /** Payload pieces still stored in plaintext after the run (counted by a last scan). */
  plaintextRemaining: number;
}

/** One credential that could not be re-encrypted: its id and why, never its payload. */
export interface RotationFailure {
  credentialId: string;
  reason: string;
}

export interface RotateKeysOptions {
  /** Credentials per scan page; default 100. */
  pageSize?: number;
  /** Passes over credentials whose compare-and-set lost a race; default 3. */
  maxAttempts?: number;
  /** Called after each page with the running totals (for progress on stderr). */
  onProgress?: (summary: Readonly<RotationSummary>) => void;
  onFailure?: (failure: RotationFailure) => void;
}

type Outcome = 'current' | 'replaced' | 'conflict' | { failed: string };

function isJsonObject(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/**
 * Re-seals one credential's pieces under the current key. Every piece is opened first,
 * current ones included, so a tampered or unreadable credential is reported instead of
 * skipped; the reassembled text must be a JSON object, so garbage is never sealed. Pieces
 * already under the current key are kept as they are.
 */
async function rotateOne(
  store: CredentialStore,
  keyring: Keyring,
  credentialId: string,
  payload: StoredPayload,
): Promise<Outcome> {
  const current = keyring.currentKeyId;
  let plainPieces: string[];
  try {
    plainPieces = payload.pieces.map((piece, index) =>
      isSealedPiece(piece) ? keyring.open(piece, { credentialId, index }) : piece,
    );
  } catch (error) {
    return { failed: error instanceof Error ? error.message : 'the payload could not be opened' };
  }
  if (!isJsonObject(plainPieces.join(''))) {
    return { failed: 'the stored payload does not reassemble into a JSON object' };
  }
  if (payload.pieces.every((piece) => sealedKeyId(piece) === current)) return 'current';
  const pieces = payload.pieces.map((piece, index) =>
    sealedKeyId(piece) === current
      ? piece
      : keyring.seal(plainPieces[index] ?? '', { credentialId, index }),
  );
  const replaced = await store.replacePayload({
    credentialId,
    expectedPieces: payload.pieces,
    payload: { pieces, byteLength: payload.byteLength },
  });
  return replaced ? 'replaced' : 'conflict';
}

/**
 * Re-encrypts every stored payload under the keyring's first key: pages through the store
 * with `scanCredentials`, writes with the compare-and-set `replacePayload`, and retries
 * credentials whose payload changed underneath it in a later pass.
 */
export async function rotateKeys(
  store: CredentialStore,
  keyring: Keyring,
  options: RotateKeysOptions = {},
): Promise<RotationSummary> {
  const summary: RotationSummary = {
    scanned: 0,
    reEncrypted: 0,
    alreadyCurrent: 0,
    failed: 0,
    conflictsRetried: 0,
    plaintextRemaining: 0,
  };
  const fail = (credentialId: string, reason: string) => {
    summary.failed += 1;
    options.onFailure?.({ credentialId, reason });
  };

  await rotatePasses(store, keyring, options, summary, fail);
  summary.plaintextRemaining = await countPlaintextPieces(store, options.pageSize);
  return summary;
}

/** Pieces stored unsealed, over every credential (what --require-encryption would refuse). */
export async function countPlaintextPieces(
  store: CredentialStore,
  pageSize = 100,
): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.scanCredentials({
      limit: pageSize,
      includePayload: true,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const record of page.credentials) {
      count += record.payload?.pieces.filter((piece) => !isSealedPiece(piece)).length ?? 0;
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return count;
}

async function rotatePasses(
  store: CredentialStore,
  keyring: Keyring,
  options: RotateKeysOptions,
  summary: RotationSummary,
  fail: (credentialId: string, reason: string) => void,
): Promise<void> {
  const pageSize = options.pageSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 3;
  // undefined = every credential (first pass); later passes only retry the conflicts.
  let only: Set<string> | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const conflicts = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.scanCredentials({
        limit: pageSize,
        includePayload: true,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const record of page.credentials) {
        if (only && !only.has(record.credentialId)) continue;
        if (!only) summary.scanned += 1;
        const outcome = await rotateRecord(store, keyring, record);
        if (outcome === 'current') summary.alreadyCurrent += 1;
        else if (outcome === 'replaced') summary.reEncrypted += 1;
        else if (outcome === 'conflict') conflicts.add(record.credentialId);
        else fail(record.credentialId, outcome.failed);
      }
      cursor = page.nextCursor;
      options.onProgress?.(summary);
    } while (cursor !== undefined);
    if (conflicts.size === 0) return;
    if (attempt === maxAttempts) {
      for (const credentialId of conflicts) {
        fail(credentialId, `its payload kept changing during ${maxAttempts} attempts`);
      }
      return;
    }
    summary.conflictsRetried += conflicts.size;
    only = conflicts;
  }
}

function rotateRecord(
  store: CredentialStore,
  keyring: Keyring,
  record: CredentialRecord,
): Promise<Outcome> {
  if (!record.payload) {
    return Promise.resolve({ failed: 'the store returned it without its payload' });
  }
  return rotateOne(store, keyring, record.credentialId, record.payload);
}
