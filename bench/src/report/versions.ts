import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BenchOptions } from '../cli/options.ts';
import { newPgClient, newRedisClient } from '../stores/clients.ts';

const WORKSPACE_PACKAGES = ['contract', 'store', 'store-postgres', 'store-redis', 'server'];

/** Versions of everything the figures depend on; a missing one is null, never a crash. */
export async function collectVersions(
  options: BenchOptions,
): Promise<Record<string, string | null>> {
  const versions: Record<string, string | null> = { node: process.version };
  const repoRoot = new URL('../../../', import.meta.url);
  for (const name of WORKSPACE_PACKAGES)
    versions[`@qa-broker/${name}`] = await manifestVersion(
      new URL(`packages/${name}/package.json`, repoRoot),
    );
  versions['@qa-broker/bench'] = await manifestVersion(new URL('bench/package.json', repoRoot));
  const fromBench = createRequire(import.meta.url);
  const fromPackage = (pkg: string) =>
    createRequire(new URL(`../../node_modules/@qa-broker/${pkg}/package.json`, import.meta.url));
  versions.undici = await dependencyVersion(fromBench, 'undici');
  versions.express = await dependencyVersion(fromBench, 'express');
  versions['hdr-histogram-js'] = await dependencyVersion(fromBench, 'hdr-histogram-js');
  versions.pg = await dependencyVersion(fromPackage('store-postgres'), 'pg');
  versions['@electric-sql/pglite'] = await dependencyVersion(
    fromPackage('store-postgres'),
    '@electric-sql/pglite',
  );
  versions.ioredis = await dependencyVersion(fromPackage('store-redis'), 'ioredis');
  versions.pino = await dependencyVersion(fromPackage('server'), 'pino');
  if (options.stores.includes('postgres'))
    versions.postgresServer = await postgresServerVersion(options.postgresUrl);
  if (options.stores.includes('redis'))
    versions.redisServer = await redisServerVersion(options.redisUrl);
  return versions;
}

async function manifestVersion(url: URL): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(url, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Walks up from the package's entry to its package.json (exports maps may hide it). */
async function dependencyVersion(require: NodeJS.Require, name: string): Promise<string | null> {
  try {
    let dir = dirname(require.resolve(name));
    for (let depth = 0; depth < 6; depth += 1) {
      const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => null);
      if (manifest !== null) {
        const parsed = JSON.parse(manifest) as { name?: string; version?: string };
        if (parsed.name === name) return parsed.version ?? null;
      }
      dir = dirname(dir);
    }
  } catch {
    // Not installed where expected: reported as null.
  }
  return null;
}

async function postgresServerVersion(url: string): Promise<string | null> {
  const client = newPgClient(url);
  try {
    await client.connect();
    const result = await client.query('SHOW server_version');
    const version = result.rows[0]?.server_version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisServerVersion(url: string): Promise<string | null> {
  try {
    const client = await newRedisClient(url);
    try {
      const info = String(await client.call('INFO', 'server'));
      return /redis_version:(\S+)/.exec(info)?.[1] ?? null;
    } finally {
      await client.quit();
    }
  } catch {
    return null;
  }
}
