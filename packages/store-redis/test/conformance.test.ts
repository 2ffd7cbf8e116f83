import { describeCredentialStore } from '@qa-broker/store/conformance';
import { afterAll } from 'vitest';
import { openRedisStore } from '../src/open-redis-store.js';
import {
  TEST_REDIS_URL,
  deleteKeysOf,
  openAdminClient,
  randomPrefix,
} from './support/test-redis.js';

const prefixes: string[] = [];

afterAll(async () => {
  const admin = await openAdminClient();
  try {
    for (const prefix of prefixes) await deleteKeysOf(admin, prefix);
  } finally {
    admin.disconnect();
  }
});

describeCredentialStore('redis', async () => {
  const prefix = randomPrefix();
  prefixes.push(prefix);
  return openRedisStore({ url: TEST_REDIS_URL, prefix });
});
