import { openRedisStore } from '@qa-broker/store-redis';
import {
  TEST_REDIS_URL,
  deleteKeysOf,
  openAdminClient,
  randomPrefix,
} from '../../store-redis/test/support/test-redis.js';
import { describeBrokerHttp } from './support/describe-broker-http.js';
import { describeQueueHttp } from './support/describe-queue-http.js';
import { describeDashboardHttp } from './support/describe-dashboard-http.js';
import { describeHealthHttp } from './support/describe-health-http.js';

// Real Redis, one random key prefix per store; closing the store deletes its keys.
async function openScratchRedisStore() {
  const prefix = randomPrefix();
  const store = await openRedisStore({ url: TEST_REDIS_URL, prefix });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    const admin = await openAdminClient();
    try {
      await deleteKeysOf(admin, prefix);
    } finally {
      admin.disconnect();
    }
  };
  return store;
}

describeBrokerHttp('redis', openScratchRedisStore);
describeQueueHttp('redis', openScratchRedisStore);
describeDashboardHttp('redis', openScratchRedisStore);
describeHealthHttp('redis', openScratchRedisStore);
