export type StoreErrorCode = 'STORE_UNAVAILABLE' | 'INTERNAL_ERROR';

/**
 * A failure of the store itself (not a domain outcome). `STORE_UNAVAILABLE` means the
 * operation did not happen or its outcome is unknown because the store could not be
 * reached in time; the server answers 503 with Retry-After.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}
