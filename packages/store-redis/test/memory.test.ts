import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/redis-store.js';
import { keysOf, openIsolatedStore } from './support/test-redis.js';

const CREDENTIALS = 10_000;
const LEASED = 1_000;
const KINDS = ['telegram', 'discord', 'whatsapp', 'slack'];
const T0 = 1_900_000_000_000;
/** The design target, printed as met or not. */
const OVERHEAD_TARGET_BYTES = 1_024;
/**
 * Generous, so another Redis version's encodings cannot flake it: the measured figure is
 * printed; this only catches a layout gone badly wrong.
 */
const OVERHEAD_BOUND_BYTES = 1_536;

let store: RedisStore;
let prefix: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, prefix, cleanup } = await openIsolatedStore());
});

afterAll(async () => {
  await cleanup();
});

/** A realistic, obviously fake payload of about 200 bytes, different per credential. */
function fakePayload(index: number): string {
  return JSON.stringify({
    groupId: `-100${String(index).padStart(10, '0')}`,
    driverToken: `fake-driver-${index}:${'d'.repeat(46)}`,
    sutToken: `fake-sut-${index}:${'s'.repeat(46)}`,
  });
}

async function inBatches(count: number, size: number, run: (index: number) => Promise<unknown>) {
  for (let start = 0; start < count; start += size) {
    const batch = [];
    for (let index = start; index < Math.min(count, start + size); index++) batch.push(run(index));
    await Promise.all(batch);
  }
}

describe('memory per credential', () => {
  it(`stays small beyond the payload across a ${CREDENTIALS}-credential pool`, async () => {
    let payloadBytes = 0;
    await inBatches(CREDENTIALS, 250, async (index) => {
      const piece = fakePayload(index);
      payloadBytes += Buffer.byteLength(piece);
      await store.addCredential({
        credentialId: `cred-${String(index).padStart(6, '0')}-${index.toString(36)}fakeid`,
        kind: KINDS[index % KINDS.length]!,
        payload: { pieces: [piece], byteLength: Buffer.byteLength(piece) },
        status: index % 50 === 0 ? 'disabled' : 'active',
        actorId: 'fake-admin',
        nowMs: T0 + index,
      });
    });
    // A tenth of the pool leased, so lease state is part of the measure.
    await inBatches(LEASED, 250, (index) =>
      store.acquire({
        kind: KINDS[index % KINDS.length]!,
        ownerId: `qa-lab-ci-${index}-0123abcd`,
        actorRole: 'ci',
        leaseToken: `fake-${index}-${'t'.repeat(30)}`,
        leaseTtlMs: 1_200_000,
        nowMs: T0 + CREDENTIALS + index,
      }),
    );

    const keys = await keysOf(store.client, prefix);
    const eventLogs = new Set(
      KINDS.flatMap((kind) => [
        store.keys.kind(kind).leaseEvents,
        store.keys.kind(kind).adminEvents,
      ]),
    );
    let stateBytes = 0;
    let eventBytes = 0;
    for (const key of keys) {
      // SAMPLES 0: measure every element of aggregates, not an estimate.
      const bytes = Number(await store.client.memory('USAGE', key, 'SAMPLES', 0));
      if (eventLogs.has(key)) eventBytes += bytes;
      else stateBytes += bytes;
    }
    const perCredential = (stateBytes - payloadBytes) / CREDENTIALS;
    const perEvent = eventBytes / (CREDENTIALS + LEASED);
    console.info(
      `[memory] ${CREDENTIALS} credentials (${LEASED} leased) in ${keys.length} keys: ` +
        `${stateBytes} bytes of state, ${payloadBytes} of payload -> ` +
        `${perCredential.toFixed(0)} bytes per credential beyond its payload ` +
        `(target ${OVERHEAD_TARGET_BYTES}: ${perCredential <= OVERHEAD_TARGET_BYTES ? 'met' : 'NOT met'}); ` +
        `event logs ${eventBytes} bytes (${perEvent.toFixed(0)} per event)`,
    );
    expect(perCredential).toBeGreaterThan(0);
    expect(perCredential).toBeLessThan(OVERHEAD_BOUND_BYTES);
  });
});
