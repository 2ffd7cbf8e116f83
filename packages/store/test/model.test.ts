import { describe, expect, it } from 'vitest';
import { CredentialModel, compareListOrder } from '../src/conformance/model.js';

/**
 * The reference model is what the property test trusts, so its own rules are pinned here
 * straight from the spec, independently of any store.
 */
describe('CredentialModel', () => {
  const payload = { pieces: ['{"fake":"p"}'], byteLength: 12 };
  const add = (model: CredentialModel, credentialId: string, nowMs: number, kind = 'k') =>
    model.addCredential({ credentialId, kind, payload, status: 'active', actorId: 'admin', nowMs });
  const acquire = (model: CredentialModel, nowMs: number, leaseToken = `fake-${nowMs}`) =>
    model.acquire({
      kind: 'k',
      ownerId: 'o',
      actorRole: 'ci',
      leaseToken,
      leaseTtlMs: 1_000,
      nowMs,
    });

  it('grants the least recently leased, ties by creation order, and counts fencing per credential', () => {
    const model = new CredentialModel();
    add(model, 'z', 1);
    add(model, 'a', 2);
    expect(acquire(model, 10)).toMatchObject({
      ok: true,
      lease: { credentialId: 'z', fencingToken: 1, inlinePiece: payload.pieces[0] },
    });
    expect(acquire(model, 11)).toMatchObject({
      ok: true,
      lease: { credentialId: 'a', fencingToken: 1 },
    });
    expect(acquire(model, 12)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
    // z expires first (10 + 1000 <= 1010) and is taken again.
    expect(acquire(model, 1_010)).toMatchObject({
      ok: true,
      lease: { credentialId: 'z', fencingToken: 2 },
    });
  });

  it('heartbeat succeeds at expiresAt == now and expires after, in the spec check order', () => {
    const model = new CredentialModel();
    add(model, 'c', 0);
    acquire(model, 0, 'fake-t');
    const key = {
      kind: 'k',
      ownerId: 'o',
      credentialId: 'c',
      leaseToken: 'fake-t',
      leaseTtlMs: 1_000,
    };
    expect(model.heartbeat({ ...key, nowMs: 1_000 })).toEqual({ ok: true, expiresAtMs: 2_000 });
    expect(model.heartbeat({ ...key, nowMs: 2_001 })).toEqual({ ok: false, code: 'LEASE_EXPIRED' });
    expect(model.heartbeat({ ...key, ownerId: 'x', nowMs: 2_001 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
    expect(model.heartbeat({ ...key, kind: 'other', nowMs: 0 })).toEqual({
      ok: false,
      code: 'KIND_MISMATCH',
    });
    expect(model.heartbeat({ ...key, credentialId: 'missing', nowMs: 0 })).toEqual({
      ok: false,
      code: 'CREDENTIAL_NOT_FOUND',
    });
  });

  it('release is idempotent and writes one event; disable refuses an active lease', () => {
    const model = new CredentialModel();
    add(model, 'c', 0);
    acquire(model, 0, 'fake-t');
    expect(model.disableCredential({ credentialId: 'c', actorId: 'a', nowMs: 999 })).toEqual({
      ok: false,
      code: 'LEASE_ACTIVE',
    });
    const key = {
      kind: 'k',
      ownerId: 'o',
      actorRole: 'ci' as const,
      credentialId: 'c',
      leaseToken: 'fake-t',
      nowMs: 5,
    };
    expect(model.release(key)).toEqual({ ok: true, released: true });
    expect(model.release(key)).toEqual({ ok: true, released: false });
    expect(model.events.map((event) => event.eventType)).toEqual([
      'add',
      'acquire',
      'disable_failed',
      'release',
    ]);
    expect(model.disableCredential({ credentialId: 'c', actorId: 'a', nowMs: 6 })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(model.disableCredential({ credentialId: 'c', actorId: 'a', nowMs: 7 })).toMatchObject({
      ok: true,
      changed: false,
    });
  });

  it('orders lists by kind code points, active first, updatedAt desc, then id', () => {
    const base = { status: 'active' as const, createdAtMs: 0, lastLeasedAtMs: 0 };
    const records = [
      { ...base, credentialId: 'b', kind: 'a', updatedAtMs: 1 },
      { ...base, credentialId: 'a', kind: 'a', updatedAtMs: 1 },
      { ...base, credentialId: 'c', kind: 'a', updatedAtMs: 5 },
      { ...base, credentialId: 'd', kind: 'a', updatedAtMs: 9, status: 'disabled' as const },
      { ...base, credentialId: 'e', kind: 'B', updatedAtMs: 0 },
    ];
    expect([...records].sort(compareListOrder).map((record) => record.credentialId)).toEqual([
      'e',
      'c',
      'a',
      'b',
      'd',
    ]);
  });
});
