export {
  openRedisStore,
  redisClientOptions,
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
