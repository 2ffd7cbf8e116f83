import { afterEach, beforeEach } from 'vitest';
import type { CredentialStore } from '../store.js';
import type { AddCredentialInput, CredentialRecord, StoredPayload } from '../types.js';

/** Opens a fresh, isolated, empty store. The suite closes what it opens. */
export type OpenStore = () => Promise<CredentialStore>;

/**
 * A fixed, arbitrary instant far from the store's real clock: tests that pass `nowMs`
 * move time by arithmetic on it instead of sleeping.
 */
export const T0 = 1_800_000_000_000;
export const TTL = 60_000;

/**
 * Registers beforeEach/afterEach hooks that give every test of the enclosing `describe`
 * its own store, and returns an accessor for it.
 */
export function useFreshStore(openStore: OpenStore): () => CredentialStore {
  let current: CredentialStore | undefined;
  beforeEach(async () => {
    current = await openStore();
  });
  afterEach(async () => {
    const store = current;
    current = undefined;
    await store?.close();
  });
  return () => {
    if (!current) throw new Error('The conformance store is only available inside a test.');
    return current;
  };
}

let sequence = 0;

/** Unique, obviously fake identifiers (kebab ascii, so every adapter can key on them). */
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence.toString().padStart(6, '0')}`;
}

export function fakeLeaseToken(label = 'token'): string {
  return uniqueId(`fake-lease-${label}`);
}

export function onePiecePayload(text = '{"fake":"secret-value"}'): StoredPayload {
  return { pieces: [text], byteLength: Buffer.byteLength(text, 'utf8') };
}

export function chunkedPayload(pieces: string[]): StoredPayload {
  return { pieces, byteLength: Buffer.byteLength(pieces.join(''), 'utf8') };
}

export function addInput(
  overrides: Partial<AddCredentialInput> & { kind: string },
): AddCredentialInput {
  return {
    credentialId: uniqueId('cred'),
    payload: onePiecePayload(),
    status: 'active',
    actorId: 'conformance-admin',
    nowMs: T0,
    ...overrides,
  };
}

/** Adds `count` active credentials of `kind`, one millisecond apart, in order. */
export async function addMany(
  store: CredentialStore,
  kind: string,
  count: number,
  startMs = T0,
): Promise<CredentialRecord[]> {
  const added: CredentialRecord[] = [];
  for (let i = 0; i < count; i++) {
    added.push(await store.addCredential(addInput({ kind, nowMs: startMs + i })));
  }
  return added;
}

/** Leases a credential and fails the test with a clear message if the pool was empty. */
export async function mustAcquire(
  store: CredentialStore,
  input: {
    kind: string;
    ownerId?: string;
    nowMs: number;
    leaseTtlMs?: number;
    actorRole?: 'ci' | 'maintainer';
  },
): Promise<{
  credentialId: string;
  leaseToken: string;
  ownerId: string;
  fencingToken: number;
  expiresAtMs: number;
}> {
  const leaseToken = fakeLeaseToken();
  const ownerId = input.ownerId ?? 'owner-a';
  const result = await store.acquire({
    kind: input.kind,
    ownerId,
    actorRole: input.actorRole ?? 'ci',
    leaseToken,
    leaseTtlMs: input.leaseTtlMs ?? TTL,
    nowMs: input.nowMs,
  });
  if (!result.ok) throw new Error(`expected a grant for kind ${input.kind}, got ${result.code}`);
  return {
    credentialId: result.lease.credentialId,
    leaseToken,
    ownerId,
    fencingToken: result.lease.fencingToken,
    expiresAtMs: result.lease.expiresAtMs,
  };
}

/** Reads one credential through the admin list (the only read path of the interface). */
export async function findCredential(
  store: CredentialStore,
  credentialId: string,
  kind: string,
  includePayload = false,
): Promise<CredentialRecord | undefined> {
  const records = await store.listCredentials({ kind, status: 'all', includePayload, limit: 500 });
  return records.find((record) => record.credentialId === credentialId);
}

export async function mustFind(
  store: CredentialStore,
  credentialId: string,
  kind: string,
  includePayload = false,
): Promise<CredentialRecord> {
  const record = await findCredential(store, credentialId, kind, includePayload);
  if (!record) throw new Error(`credential ${credentialId} is missing from the list`);
  return record;
}

/** Every event of the store, following cursors. */
export async function allEvents(
  store: CredentialStore,
  filter: { category?: 'lease' | 'admin' } = {},
) {
  const events = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await store.listEvents({ ...filter, limit: 100, ...(cursor ? { cursor } : {}) });
    events.push(...result.events);
    if (!result.nextCursor) return events;
    cursor = result.nextCursor;
  }
  throw new Error('listEvents did not terminate after 1000 pages');
}
