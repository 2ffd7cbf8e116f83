import { StoreError, isStoreError } from '@qa-broker/store';
import type { CredentialStore } from '@qa-broker/store';

/** Default bound on one store call; above the adapters' own 5 s timeouts, so theirs fire first. */
export const DEFAULT_STORE_TIMEOUT_MS = 8_000;

export interface StoreGuardOptions {
  /** Longest a store call may take before the request gets 503 STORE_UNAVAILABLE. */
  timeoutMs: number;
  /** Called with the code of every failed store call (for the store-error metric). */
  onError?: (code: StoreError['code'] | 'OTHER') => void;
}

function withTimeout<T>(operation: Promise<T>, timeoutMs: number, method: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        new StoreError(
          'STORE_UNAVAILABLE',
          `The store did not answer ${method} within ${timeoutMs} ms.`,
        ),
      );
    }, timeoutMs);
  });
  // A late answer is dropped; its outcome is unknown, which is what 503 tells the caller.
  operation.catch(() => undefined);
  return Promise.race([operation, timedOut]).finally(() => clearTimeout(timer));
}

/**
 * The store as the app uses it: every call bounded by a timeout (a hung connection or a
 * stuck PGlite never holds a request), and every failure counted by its code. `close` is
 * left alone: shutdown waits for it however long it takes.
 */
export function guardStore(store: CredentialStore, options: StoreGuardOptions): CredentialStore {
  const guard = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(call(), options.timeoutMs, method);
    } catch (error) {
      options.onError?.(isStoreError(error) ? error.code : 'OTHER');
      throw error;
    }
  };
  return {
    acquire: (input) => guard('acquire', () => store.acquire(input)),
    tickWaiters: (input) => guard('tickWaiters', () => store.tickWaiters(input)),
    cancelWait: (input) => guard('cancelWait', () => store.cancelWait(input)),
    subscribeWakeups: (brokerId, onWake) =>
      guard('subscribeWakeups', () => store.subscribeWakeups(brokerId, onWake)),
    listQueues: (filter) => guard('listQueues', () => store.listQueues(filter)),
    heartbeat: (input) => guard('heartbeat', () => store.heartbeat(input)),
    release: (input) => guard('release', () => store.release(input)),
    readPayloadChunk: (input) => guard('readPayloadChunk', () => store.readPayloadChunk(input)),
    addCredential: (input) => guard('addCredential', () => store.addCredential(input)),
    disableCredential: (input) => guard('disableCredential', () => store.disableCredential(input)),
    replacePayload: (input) => guard('replacePayload', () => store.replacePayload(input)),
    restoreCredential: (input) => guard('restoreCredential', () => store.restoreCredential(input)),
    quarantineCredential: (input) =>
      guard('quarantineCredential', () => store.quarantineCredential(input)),
    updateCredential: (input) => guard('updateCredential', () => store.updateCredential(input)),
    findCredential: (credentialId) =>
      guard('findCredential', () => store.findCredential(credentialId)),
    setPolicy: (input) => guard('setPolicy', () => store.setPolicy(input)),
    getPolicies: (input) => guard('getPolicies', () => store.getPolicies(input)),
    listCredentials: (filter) => guard('listCredentials', () => store.listCredentials(filter)),
    scanCredentials: (input) => guard('scanCredentials', () => store.scanCredentials(input)),
    listEvents: (filter) => guard('listEvents', () => store.listEvents(filter)),
    poolStats: () => guard('poolStats', () => store.poolStats()),
    leaseActivity: (input) => guard('leaseActivity', () => store.leaseActivity(input)),
    pruneEvents: (input) => guard('pruneEvents', () => store.pruneEvents(input)),
    now: () => guard('now', () => store.now()),
    ping: () => guard('ping', () => store.ping()),
    close: () => store.close(),
  };
}
