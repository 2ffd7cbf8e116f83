import { createKeyspace } from '@qa-broker/store-redis';
import { BENCH_KIND } from '../http/broker-http.ts';
import { forEachKeyBatch } from './cleanup.ts';
import { newRedisClient } from './clients.ts';

export interface RedisMemory {
  keys: number;
  /** MEMORY USAGE (SAMPLES 0: every element counted) summed over the pool's keys. */
  totalBytes: number;
  /** The part held by event logs (they grow with activity and age out, not with the pool). */
  eventBytes: number;
  payloadBytes: number;
  credentials: number;
  /** (total − events − payload) ÷ credentials: what one credential costs beyond its payload. */
  bytesPerCredential: number;
  /** The same with the event logs counted in (one `add` admin event per credential here). */
  bytesPerCredentialWithEvents: number;
}

export async function measureRedisMemory(
  url: string,
  prefix: string,
  credentials: number,
  payloadBytes: number,
): Promise<RedisMemory> {
  const keyspace = createKeyspace(prefix);
  const kindKeys = keyspace.kind(BENCH_KIND);
  const eventKeys = new Set([
    kindKeys.leaseEvents,
    kindKeys.adminEvents,
    keyspace.global.adminEvents,
  ]);
  const client = await newRedisClient(url);
  let keys = 0;
  let totalBytes = 0;
  let eventBytes = 0;
  try {
    await forEachKeyBatch(client, keyspace.matchAll, async (batch) => {
      // ioredis pipelines concurrent calls on its one connection: one batch ≈ one round trip.
      const sizes = await Promise.all(
        batch.map((key) => client.call('MEMORY', 'USAGE', key, 'SAMPLES', 0)),
      );
      batch.forEach((key, index) => {
        const bytes = sizes[index];
        const size = typeof bytes === 'number' ? bytes : 0;
        keys += 1;
        totalBytes += size;
        if (eventKeys.has(key)) eventBytes += size;
      });
    });
  } finally {
    await client.quit();
  }
  const per = (bytes: number): number => (credentials === 0 ? 0 : bytes / credentials);
  return {
    keys,
    totalBytes,
    eventBytes,
    payloadBytes,
    credentials,
    bytesPerCredential: per(totalBytes - eventBytes - payloadBytes),
    bytesPerCredentialWithEvents: per(totalBytes - payloadBytes),
  };
}
