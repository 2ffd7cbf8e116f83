import { BrokerError } from './broker-error.js';

/** The error every cancellation by the caller's signal becomes. */
export function abortedError(signal: AbortSignal, what: string): BrokerError {
  return new BrokerError('ABORTED', `${what} was cancelled.`, {
    transient: false,
    cause: signal.reason,
  });
}

/** Waits `ms`, or rejects with an ABORTED BrokerError as soon as `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal, what));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal!, what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
