import { describeCredentialStore } from '@qa-broker/store/conformance';
import { afterAll } from 'vitest';
import { openRedisStore } from '../src/open-redis-store.js';
import {
  TEST_REDIS_CLUSTER_URL,
  deleteKeysOf,
  openClusterAdminClient,
  randomPrefix,
} from './support/test-redis.js';

// The same suite on the local 3-primary, 3-replica Redis Cluster (scripts/redis-cluster.sh),
// once answering at once and once waiting for a replica after every state change.
const prefixes: string[] = [];

afterAll(async () => {
  const admin = await openClusterAdminClient();
  try {
    for (const prefix of prefixes) await deleteKeysOf(admin, prefix);
  } finally {
    admin.disconnect();
  }
});

for (const waitReplicas of [0, 1]) {
  describeCredentialStore(`redis cluster (waitReplicas ${waitReplicas})`, async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    return openRedisStore({ url: TEST_REDIS_CLUSTER_URL, prefix, waitReplicas });
  });
}
