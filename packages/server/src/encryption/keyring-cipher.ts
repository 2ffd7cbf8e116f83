import type { PieceCipher } from '../payload-codec.js';
import { isSealedPiece } from './keyring.js';
import type { Keyring } from './keyring.js';

/**
 * The `PieceCipher` of encryption at rest. New pieces are always sealed. A plaintext piece
 * (stored before keys were configured) is still read as it is, so turning encryption on
 * breaks nothing; `qa-broker-server rotate-keys` seals those.
 */
export function keyringCipher(keyring: Keyring): PieceCipher {
  return {
    seal: (piece, context) => Promise.resolve(keyring.seal(piece, context)),
    open: (stored, context) => {
      if (!isSealedPiece(stored)) return Promise.resolve(stored);
      try {
        return Promise.resolve(keyring.open(stored, context));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
