export {
  openPgliteStore,
  openPostgresStore,
  type PgliteStoreOptions,
  type PostgresStoreOptions,
} from './open.js';
export { PostgresStore } from './postgres-store.js';
export { DEFAULT_SCHEMA } from './schema-name.js';
export { wakeChannel } from './wake-registry.js';
