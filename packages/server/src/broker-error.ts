import { ERROR_CODES } from '@qa-broker/contract';
import type { ErrorBody, ErrorCode } from '@qa-broker/contract';

/** The extra fields of a queued POOL_EXHAUSTED answer. */
export type QueueDetails = Pick<ErrorBody, 'waiting' | 'ticket' | 'position' | 'queueLength'>;

/**
 * An outcome the broker answers with its error envelope. The message goes to the caller,
 * so it must never carry a secret or a payload.
 */
export class BrokerError extends Error {
  override readonly name: string = 'BrokerError';
  readonly code: ErrorCode;
  /** Sent as `retryAfterMs` and, rounded up to seconds, as the `Retry-After` header. */
  readonly retryAfterMs: number | undefined;
  /** Sent beside code and message (a waiter's place in the queue). */
  readonly details: QueueDetails | undefined;

  constructor(
    code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    options?: { retryAfterMs?: number; cause?: unknown; details?: QueueDetails },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
    this.details = options?.details;
  }
}

/** A stored payload piece could not be opened (decrypted) or parsed back into JSON. */
export class PayloadUnreadableError extends BrokerError {
  override readonly name = 'PayloadUnreadableError';

  constructor(options?: { cause?: unknown }) {
    super('PAYLOAD_UNREADABLE', ERROR_CODES.PAYLOAD_UNREADABLE.message, options);
  }
}
