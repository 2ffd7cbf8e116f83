import type { PieceCipher } from '../payload-codec.js';
import { isSealedPiece } from './keyring.js';
import type { Keyring } from './keyring.js';

/**
 * The `PieceCipher` of encryption at rest. New pieces are always sealed. A plaintext piece
 * (stored before keys were configured) is still read as it is, so turning encryption on
 * breaks nothing; `qa-broker-server rotate-keys` seals those. With `requireEncryption`, a
 * plaintext piece is refused instead (it answers PAYLOAD_UNREADABLE).
 */
export function keyringCipher(
  keyring: Keyring,
  options: { requireEncryption?: boolean } = {},
): PieceCipher {
  return {
    seal: (piece, context) => Promise.resolve(keyring.seal(piece, context)),
    open: (stored, context) => {
      if (!isSealedPiece(stored)) {
        return options.requireEncryption
          ? Promise.reject(
              new Error(
                'A payload piece is stored in plaintext and --require-encryption is on: run rotate-keys.',
              ),
            )
          : Promise.resolve(stored);
      }
      try {
        return Promise.resolve(keyring.open(stored, context));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
