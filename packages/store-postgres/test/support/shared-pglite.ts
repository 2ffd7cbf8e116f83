import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { openPgliteStore, type PostgresStore } from '../../src/index.js';
import { randomSchemaName } from './postgres-server.js';

/**
 * Starts ONE in-memory PGlite for the calling test file (starting one takes seconds) and
 * returns an opener of stores, each in a fresh schema that is dropped when it closes.
 */
export function useSharedPglite(): {
  openStore: () => Promise<PostgresStore>;
  pglite: () => PGlite;
} {
  let instance: PGlite | undefined;
  beforeAll(async () => {
    instance = await PGlite.create();
  });
  afterAll(async () => {
    await instance?.close();
  });
  const pglite = () => {
    if (!instance) throw new Error('PGlite is only available inside tests.');
    return instance;
  };
  const openStore = async () => {
    const shared = pglite();
    const schema = randomSchemaName('lite');
    const store = await openPgliteStore({ pglite: shared, schema });
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      await shared.exec(`drop schema if exists "${schema}" cascade`);
    };
    return store;
  };
  return { openStore, pglite };
}
