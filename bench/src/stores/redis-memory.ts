import { forEachKeyBatch } from './cleanup.ts';
import { newRedisClient } from './borrowed-deps.ts';

export interface RedisMemory {
  keys: number;
  /** MEMORY USAGE (SAMPLES 0: every element counted) summed over the pool's keys. */
  totalBytes: number;
  /** The part held by streams (event logs: they grow with activity, not with the pool). */
  streamBytes: number;
  payloadBytes: number;
  credentials: number;
  /** (total − streams − payload) ÷ credentials: what one credential costs beyond its payload. */
  bytesPerCredential: number;
  /** The same with the event streams counted in (one `add` event per credential here). */
  bytesPerCredentialWithEvents: number;
}

export async function measureRedisMemory(
  url: string,
  prefix: string,
  credentials: number,
  payloadBytes: number,
): Promise<RedisMemory> {
  const client = await newRedisClient(url);
  let keys = 0;
  let totalBytes = 0;
  let streamBytes = 0;
  try {
    await forEachKeyBatch(client, `${prefix}*`, async (batch) => {
      // ioredis pipelines concurrent calls on its one connection: one batch ≈ one round trip.
      const measured = await Promise.all(
        batch.map(async (key) => {
          const [bytes, type] = await Promise.all([
            client.call('MEMORY', 'USAGE', key, 'SAMPLES', 0),
            client.call('TYPE', key),
          ]);
          return { bytes: typeof bytes === 'number' ? bytes : 0, type: String(type) };
        }),
      );
      for (const { bytes, type } of measured) {
        keys += 1;
        totalBytes += bytes;
        if (type === 'stream') streamBytes += bytes;
      }
    });
  } finally {
    await client.quit();
  }
  const per = (bytes: number): number => (credentials === 0 ? 0 : bytes / credentials);
  return {
    keys,
    totalBytes,
    streamBytes,
    payloadBytes,
    credentials,
    bytesPerCredential: per(totalBytes - streamBytes - payloadBytes),
    bytesPerCredentialWithEvents: per(totalBytes - payloadBytes),
  };
}
