import { createRequire } from 'node:module';

/*
 * The bench needs a few low-level clients that its own package.json does not list (pg for
 * DROP SCHEMA and the server version, ioredis for MEMORY USAGE and key cleanup, pino for
 * the broker child's logger). They are dependencies of the adapters and the server, so
 * they are resolved from those packages (the exact versions the broker uses) instead of
 * changing the lockfile. Only the few members used are typed here.
 */
function requireFrom(workspacePackage: string): NodeJS.Require {
  return createRequire(
    new URL(`../../node_modules/@qa-broker/${workspacePackage}/package.json`, import.meta.url),
  );
}

export interface PgClientLike {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

interface PgModule {
  Client: new (config: { connectionString: string }) => PgClientLike;
}

export function newPgClient(connectionString: string): PgClientLike {
  const pg = requireFrom('store-postgres')('pg') as PgModule;
  return new pg.Client({ connectionString });
}

export interface RedisLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

type RedisConstructor = new (
  url: string,
  options: { lazyConnect: boolean; maxRetriesPerRequest: number },
) => RedisLike & { connect(): Promise<void> };

export async function newRedisClient(url: string): Promise<RedisLike> {
  const Redis = requireFrom('store-redis')('ioredis') as RedisConstructor;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

export interface PinoLike {
  (options: Record<string, unknown>, destination: { write(line: string): void }): unknown;
}

export function loadPino(): PinoLike {
  return requireFrom('server')('pino') as PinoLike;
}

/** A package's version as installed for the bench (null when it cannot be read). */
export function installedVersion(from: string, packageName: string): string | null {
  try {
    const manifest = requireFrom(from)(`${packageName}/package.json`) as { version?: string };
    return manifest.version ?? null;
  } catch {
    return null;
  }
}

export interface PgliteLike {
  query(text: string, values?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/** An embedded PGlite on a data directory, from the adapter's own PGlite package. */
export async function newPglite(dataDir: string): Promise<PgliteLike> {
  const { PGlite } = requireFrom('store-postgres')('@electric-sql/pglite') as {
    PGlite: { create(dataDir: string): Promise<PgliteLike> };
  };
  return PGlite.create(dataDir);
}
