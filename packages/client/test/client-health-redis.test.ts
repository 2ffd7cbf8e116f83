// The store package's own isolated-prefix helper: a random key prefix on the real Redis,
// its keys deleted when the test ends (the client has no Redis driver of its own).
import { openIsolatedStore } from '../../store-redis/test/support/test-redis.js';
import type { CredentialStore } from './support/broker.js';
import { describeHealthSuite } from './support/describe-health-suite.js';

const cleanups = new Map<CredentialStore, () => Promise<void>>();

describeHealthSuite(
  'redis',
  async () => {
    const { store, cleanup } = await openIsolatedStore();
    cleanups.set(store, cleanup);
    return store;
  },
  (store) => cleanups.get(store)!(),
);
