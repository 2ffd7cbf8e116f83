import { mkdir } from 'node:fs/promises';
import type { CredentialStore } from '@qa-broker/store';
import type { StoreTarget } from './targets.ts';

/**
 * Opens the adapter for a target with the adapter's own defaults (pool size, timeouts),
 * so the raw-store baseline and the broker child run the very same store settings.
 * Adapters are imported lazily: a run over one store never loads the others.
 */
export async function openStore(target: StoreTarget): Promise<CredentialStore> {
  switch (target.kind) {
    case 'pglite': {
      const { openPgliteStore } = await import('@qa-broker/store-postgres');
      await mkdir(target.dataDir, { recursive: true });
      return openPgliteStore({
        dataDir: target.dataDir,
        schema: target.schema,
        preparedStatements: target.preparedStatements,
      });
    }
    case 'postgres': {
      const { openPostgresStore } = await import('@qa-broker/store-postgres');
      // Behind PgBouncer the role's statement_timeout is 5 s, the adapter's default.
      return openPostgresStore({
        connectionString: target.url,
        schema: target.schema,
        preparedStatements: target.preparedStatements,
      });
    }
    case 'redis': {
      const { openRedisStore } = await import('@qa-broker/store-redis');
      return openRedisStore({
        url: target.url,
        prefix: target.prefix,
        ...(target.waitReplicas !== undefined ? { waitReplicas: target.waitReplicas } : {}),
      });
    }
  }
}
