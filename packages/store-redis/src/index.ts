export {
  openRedisStore,
  redisClientOptions,
  redisClusterOptions,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type RedisStoreOptions,
} from './open-redis-store.js';
export { RedisStore, type RedisDurability } from './redis-store.js';
export {
  createKeyspace,
  kindHashTag,
  DEFAULT_KEY_PREFIX,
  type Keyspace,
  type KindKeys,
  type GlobalKeys,
} from './keys.js';
export { isClusterUrl, parseClusterUrl, type ClusterLocation } from './cluster-url.js';
export type { RedisClient } from './redis-client.js';
