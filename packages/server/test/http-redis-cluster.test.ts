import { openRedisStore } from '@qa-broker/store-redis';
import {
  TEST_REDIS_CLUSTER_URL,
  deleteKeysOf,
  openClusterAdminClient,
  randomPrefix,
} from '../../store-redis/test/support/test-redis.js';
import { describeBrokerHttp } from './support/describe-broker-http.js';
import { describeHealthHttp } from './support/describe-health-http.js';
import { describeQueueHttp } from './support/describe-queue-http.js';

// The HTTP suites (v1, wait queue with two brokers and their wake-ups, health and policy) on
// the local 3-primary, 3-replica Redis Cluster (scripts/redis-cluster.sh), waiting for one
// replica after each state change (the mode the README calls safe).
async function openScratchClusterStore() {
  const prefix = randomPrefix();
  const store = await openRedisStore({ url: TEST_REDIS_CLUSTER_URL, prefix, waitReplicas: 1 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    const admin = await openClusterAdminClient();
    try {
      await deleteKeysOf(admin, prefix);
    } finally {
      admin.disconnect();
    }
  };
  return store;
}

describeBrokerHttp('redis cluster', openScratchClusterStore);
describeQueueHttp('redis cluster', openScratchClusterStore);
describeHealthHttp('redis cluster', openScratchClusterStore);
