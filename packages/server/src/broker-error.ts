import { ERROR_CODES } from '@qa-broker/contract';
import type { ErrorCode } from '@qa-broker/contract';

/**
 * An outcome the broker answers with its error envelope. The message goes to the caller,
 * so it must never carry a secret or a payload.
 */
export class BrokerError extends Error {
  override readonly name: string = 'BrokerError';
  readonly code: ErrorCode;
  /** Sent as `retryAfterMs` and, rounded up to seconds, as the `Retry-After` header. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    options?: { retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A stored payload piece could not be opened (decrypted) or parsed back into JSON. */
export class PayloadUnreadableError extends BrokerError {
  override readonly name = 'PayloadUnreadableError';

  constructor(options?: { cause?: unknown }) {
    super('PAYLOAD_UNREADABLE', ERROR_CODES.PAYLOAD_UNREADABLE.message, options);
  }
}
