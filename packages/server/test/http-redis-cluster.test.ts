import { openRedisStore } from '@qa-broker/store-redis';
import {
  TEST_REDIS_CLUSTER_URL,
  deleteKeysOf,
  openClusterAdminClient,
  randomPrefix,
} from '../../store-redis/test/support/test-redis.js';
import { describeBrokerHttp } from './support/describe-broker-http.js';

// The HTTP suite on the local 3-primary, 3-replica Redis Cluster (scripts/redis-cluster.sh),
// waiting for one replica after each state change (the mode the README calls safe).
describeBrokerHttp('redis cluster', async () => {
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
});
