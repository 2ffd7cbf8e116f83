import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CredentialStore } from '@qa-broker/store';
import type { StoreLocation } from './store-location.js';

export interface OpenedStore {
  store: CredentialStore;
  /** Present for stores with schema migrations (Postgres, PGlite). */
  migrate?: () => Promise<{ applied: string[] }>;
  /** Present for Redis: whether it persists with AOF (`unknown` when CONFIG is denied). */
  durability?: () => Promise<{ appendOnly: boolean | 'unknown' }>;
}

/**
 * Opens the configured store. Adapters are imported on demand, so a Redis deployment
 * never loads PGlite and the other way round.
 */
export async function openStore(
  location: StoreLocation,
  options: { migrate: boolean; notify?: boolean },
): Promise<OpenedStore> {
  switch (location.type) {
    case 'postgres': {
      const { openPostgresStore } = await import('@qa-broker/store-postgres');
      const store = await openPostgresStore({
        connectionString: location.url,
        ...(location.schema ? { schema: location.schema } : {}),
        ...(location.preparedStatements === undefined
          ? {}
          : { preparedStatements: location.preparedStatements }),
        ...(location.poolSize === undefined ? {} : { poolSize: location.poolSize }),
        ...(location.statementTimeoutMs === undefined
          ? {}
          : { statementTimeoutMs: location.statementTimeoutMs }),
        ...(location.listenUrl ? { listenConnectionString: location.listenUrl } : {}),
        migrate: options.migrate,
        ...(options.notify === false ? { notify: false } : {}),
      });
      return { store, migrate: () => store.migrate() };
    }
    case 'pglite': {
      const { openPgliteStore } = await import('@qa-broker/store-postgres');
      let dataDir: string | undefined;
      if (location.dataDir !== undefined) {
        dataDir = resolve(location.dataDir);
        await mkdir(dataDir, { recursive: true });
      }
      const store = await openPgliteStore({
        ...(dataDir ? { dataDir } : {}),
        ...(location.schema ? { schema: location.schema } : {}),
        ...(location.preparedStatements === undefined
          ? {}
          : { preparedStatements: location.preparedStatements }),
        migrate: options.migrate,
      });
      return { store, migrate: () => store.migrate() };
    }
    case 'redis': {
      const { openRedisStore } = await import('@qa-broker/store-redis');
      const store = await openRedisStore({
        url: location.url,
        ...(location.prefix ? { prefix: location.prefix } : {}),
        ...(location.waitReplicas !== undefined ? { waitReplicas: location.waitReplicas } : {}),
      });
      return { store, durability: () => store.durability() };
    }
  }
}
