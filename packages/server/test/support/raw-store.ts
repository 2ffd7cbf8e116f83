import { openPostgresStore } from '@qa-broker/store-postgres';
import type { PostgresStore } from '@qa-broker/store-postgres';
import { openRedisStore } from '@qa-broker/store-redis';
import type { RedisStore } from '@qa-broker/store-redis';
import { createRequire } from 'node:module';
import {
  POSTGRES_URL,
  dropSchema,
  randomSchemaName,
} from '../../../store-postgres/test/support/postgres-server.js';
import {
  TEST_REDIS_URL,
  deleteKeysOf,
  keysOf,
  openAdminClient,
  randomPrefix,
} from '../../../store-redis/test/support/test-redis.js';

/** The few `pg` calls the dump needs. */
interface PgClient {
  connect(): Promise<void>;
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
type PgModule = { Client: new (config: { connectionString: string }) => PgClient };

/**
 * The server does not depend on `pg` itself (it reaches Postgres through the store
 * adapter), so the dump borrows the adapter's own copy.
 */
const pg = createRequire(import.meta.resolve('@qa-broker/store-postgres'))('pg') as PgModule;

/**
 * A real store plus a way to read everything it keeps, bypassing the store's API: what an
 * attacker with a database dump would see. `cleanup` closes the store and removes its data.
 */
export interface DumpableStore {
  name: string;
  store: PostgresStore | RedisStore;
  /** Every row of every table (Postgres) or every value of every key (Redis), as text. */
  dump(): Promise<string>;
  /** The store's location as `qa-broker-server` flags take it. */
  cliArgs: string[];
  cleanup(): Promise<void>;
}

export async function openDumpablePostgres(): Promise<DumpableStore> {
  const schema = randomSchemaName('enc');
  const store = await openPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 4 });
  return {
    name: 'postgres',
    store,
    cliArgs: ['--store', POSTGRES_URL, '--schema', schema],
    dump: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const tables = await client.query<{ table_name: string }>(
          'select table_name from information_schema.tables where table_schema = $1',
          [schema],
        );
        let text = '';
        for (const { table_name } of tables.rows) {
          const rows = await client.query<{ row: string }>(
            `select row_to_json(t)::text as row from "${schema}"."${table_name}" t`,
          );
          text += rows.rows.map((row) => row.row).join('\n') + '\n';
        }
        return text;
      } finally {
        await client.end();
      }
    },
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}

export async function openDumpableRedis(): Promise<DumpableStore> {
  const prefix = randomPrefix();
  const store = await openRedisStore({ url: TEST_REDIS_URL, prefix });
  return {
    name: 'redis',
    store,
    cliArgs: ['--store', TEST_REDIS_URL, '--redis-prefix', prefix],
    dump: async () => {
      const admin = await openAdminClient();
      try {
        let text = '';
        for (const key of await keysOf(admin, prefix)) {
          const type = await admin.type(key);
          let value: unknown;
          if (type === 'string') value = await admin.get(key);
          else if (type === 'hash') value = await admin.hgetall(key);
          else if (type === 'list') value = await admin.lrange(key, '0', '-1');
          else if (type === 'set') value = await admin.smembers(key);
          else if (type === 'zset') value = await admin.zrange(key, '0', '-1', 'WITHSCORES');
          else if (type === 'stream') value = await admin.xrange(key, '-', '+');
          else throw new Error(`unexpected Redis type ${type} at ${key}`);
          text += `${key} ${JSON.stringify(value)}\n`;
        }
        return text;
      } finally {
        admin.disconnect();
      }
    },
    cleanup: async () => {
      await store.close();
      const admin = await openAdminClient();
      try {
        await deleteKeysOf(admin, prefix);
      } finally {
        admin.disconnect();
      }
    },
  };
}
