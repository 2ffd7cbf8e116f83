import type { ActorRole } from '@qa-broker/contract';
import type {
  AcquireInput,
  AcquireResult,
  AddCredentialInput,
  CredentialRecord,
  DisableInput,
  DisableResult,
  HeartbeatInput,
  HeartbeatResult,
  LeaseEvent,
  AdminEvent,
  ListFilter,
  ReadChunkInput,
  ReadChunkResult,
  ReleaseInput,
  ReleaseResult,
  StoredPayload,
} from '../types.js';

/**
 * A small, pure reference of the lease rules, written straight from the spec and kept
 * deliberately naive (a map and linear scans). The property test drives a real store and
 * this model with the same random operations and compares every answer. Every input
 * must carry `nowMs`: the model has no clock of its own.
 */

interface ModelLease {
  ownerId: string;
  actorRole: ActorRole;
  leaseToken: string;
  acquiredAtMs: number;
  heartbeatAtMs: number;
  expiresAtMs: number;
}

interface ModelCredential {
  credentialId: string;
  kind: string;
  status: 'active' | 'disabled';
  createdAtMs: number;
  updatedAtMs: number;
  lastLeasedAtMs: number;
  /** Creation order, the tie-break of acquire. */
  sequence: number;
  /** Grants so far; the next fencing token is this plus one. */
  grants: number;
  note?: string;
  payload: StoredPayload;
  lease?: ModelLease;
}

export type ModelEvent = Omit<LeaseEvent, 'message'> | Omit<AdminEvent, 'message'>;

export function compareCodePoints(a: string, b: string): number {
  // Buffer.compare on UTF-8 orders strings by code point (what COLLATE "C" does).
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The spec's admin/list order, written out independently of any adapter. */
export function compareListOrder(a: CredentialRecord, b: CredentialRecord): number {
  return (
    compareCodePoints(a.kind, b.kind) ||
    (a.status === b.status ? 0 : a.status === 'active' ? -1 : 1) ||
    b.updatedAtMs - a.updatedAtMs ||
    compareCodePoints(a.credentialId, b.credentialId)
  );
}

/** A lease is active while `expiresAtMs > now`; at `== now` it is free to take. */
function isActive(lease: ModelLease | undefined, nowMs: number): lease is ModelLease {
  return lease !== undefined && lease.expiresAtMs > nowMs;
}

function requireNow(input: { nowMs?: number }): number {
  if (input.nowMs === undefined) throw new Error('The credential model needs an explicit nowMs.');
  return input.nowMs;
}

export class CredentialModel {
  private readonly credentials = new Map<string, ModelCredential>();
  private nextSequence = 0;
  readonly events: ModelEvent[] = [];

  addCredential(input: AddCredentialInput): CredentialRecord {
    const now = requireNow(input);
    const credential: ModelCredential = {
      credentialId: input.credentialId,
      kind: input.kind,
      status: input.status,
      createdAtMs: now,
      updatedAtMs: now,
      lastLeasedAtMs: 0,
      sequence: this.nextSequence++,
      grants: 0,
      payload: { pieces: [...input.payload.pieces], byteLength: input.payload.byteLength },
      ...(input.note !== undefined ? { note: input.note } : {}),
    };
    this.credentials.set(credential.credentialId, credential);
    this.events.push({
      category: 'admin',
      eventType: 'add',
      actorRole: 'maintainer',
      actorId: input.actorId,
      occurredAtMs: now,
      credentialId: credential.credentialId,
      kind: credential.kind,
    });
    return this.record(credential, false);
  }

  acquire(input: AcquireInput): AcquireResult {
    const now = requireNow(input);
    const candidates = [...this.credentials.values()]
      .filter((c) => c.kind === input.kind && c.status === 'active' && !isActive(c.lease, now))
      .sort((a, b) => a.lastLeasedAtMs - b.lastLeasedAtMs || a.sequence - b.sequence);
    const chosen = candidates[0];
    const base = {
      category: 'lease' as const,
      kind: input.kind,
      actorRole: input.actorRole,
      ownerId: input.ownerId,
      occurredAtMs: now,
    };
    if (!chosen) {
      this.events.push({ ...base, eventType: 'acquire_failed', code: 'POOL_EXHAUSTED' });
      return { ok: false, code: 'POOL_EXHAUSTED' };
    }
    chosen.lease = {
      ownerId: input.ownerId,
      actorRole: input.actorRole,
      leaseToken: input.leaseToken,
      acquiredAtMs: now,
      heartbeatAtMs: now,
      expiresAtMs: now + input.leaseTtlMs,
    };
    chosen.grants += 1;
    chosen.lastLeasedAtMs = now;
    chosen.updatedAtMs = now;
    this.events.push({ ...base, eventType: 'acquire', credentialId: chosen.credentialId });
    const chunkCount = chosen.payload.pieces.length;
    return {
      ok: true,
      lease: {
        credentialId: chosen.credentialId,
        kind: chosen.kind,
        acquiredAtMs: now,
        expiresAtMs: now + input.leaseTtlMs,
        fencingToken: chosen.grants,
        chunkCount,
        byteLength: chosen.payload.byteLength,
        ...(chunkCount === 1 ? { inlinePiece: chosen.payload.pieces[0]! } : {}),
      },
    };
  }

  heartbeat(input: HeartbeatInput): HeartbeatResult {
    const now = requireNow(input);
    const c = this.credentials.get(input.credentialId);
    if (!c) return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    if (c.kind !== input.kind) return { ok: false, code: 'KIND_MISMATCH' };
    if (c.status === 'disabled') return { ok: false, code: 'CREDENTIAL_DISABLED' };
    if (!c.lease) return { ok: false, code: 'LEASE_NOT_FOUND' };
    if (c.lease.ownerId !== input.ownerId || c.lease.leaseToken !== input.leaseToken)
      return { ok: false, code: 'LEASE_NOT_OWNER' };
    if (c.lease.expiresAtMs < now) return { ok: false, code: 'LEASE_EXPIRED' };
    c.lease.heartbeatAtMs = now;
    c.lease.expiresAtMs = now + input.leaseTtlMs;
    c.updatedAtMs = now;
    return { ok: true, expiresAtMs: c.lease.expiresAtMs };
  }

  release(input: ReleaseInput): ReleaseResult {
    const now = requireNow(input);
    const c = this.credentials.get(input.credentialId);
    if (!c) return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    if (c.kind !== input.kind) return { ok: false, code: 'KIND_MISMATCH' };
    if (!c.lease) return { ok: true, released: false };
    if (c.lease.ownerId !== input.ownerId || c.lease.leaseToken !== input.leaseToken)
      return { ok: false, code: 'LEASE_NOT_OWNER' };
    delete c.lease;
    c.updatedAtMs = now;
    this.events.push({
      category: 'lease',
      eventType: 'release',
      kind: c.kind,
      actorRole: input.actorRole,
      ownerId: input.ownerId,
      occurredAtMs: now,
      credentialId: c.credentialId,
    });
    return { ok: true, released: true };
  }

  readPayloadChunk(input: ReadChunkInput): ReadChunkResult {
    const now = requireNow(input);
    const c = this.credentials.get(input.credentialId);
    if (!c) return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    if (c.kind !== input.kind) return { ok: false, code: 'KIND_MISMATCH' };
    if (c.status === 'disabled') return { ok: false, code: 'CREDENTIAL_DISABLED' };
    if (!c.lease || c.lease.expiresAtMs < now) return { ok: false, code: 'LEASE_NOT_FOUND' };
    if (c.lease.ownerId !== input.ownerId || c.lease.leaseToken !== input.leaseToken)
      return { ok: false, code: 'LEASE_NOT_OWNER' };
    if (c.lease.actorRole !== input.actorRole) return { ok: false, code: 'AUTH_ROLE_MISMATCH' };
    const chunkCount = c.payload.pieces.length;
    if (chunkCount === 1) return { ok: false, code: 'PAYLOAD_NOT_CHUNKED' };
    const piece = c.payload.pieces[input.index];
    if (piece === undefined || input.index < 0) return { ok: false, code: 'INVALID_CHUNK_INDEX' };
    return { ok: true, piece, index: input.index, chunkCount };
  }

  disableCredential(input: DisableInput): DisableResult {
    const now = requireNow(input);
    const c = this.credentials.get(input.credentialId);
    const base = {
      category: 'admin' as const,
      actorRole: 'maintainer' as const,
      actorId: input.actorId,
      occurredAtMs: now,
      credentialId: input.credentialId,
    };
    if (!c) {
      this.events.push({ ...base, eventType: 'disable_failed', code: 'CREDENTIAL_NOT_FOUND' });
      return { ok: false, code: 'CREDENTIAL_NOT_FOUND' };
    }
    if (isActive(c.lease, now)) {
      this.events.push({
        ...base,
        kind: c.kind,
        eventType: 'disable_failed',
        code: 'LEASE_ACTIVE',
      });
      return { ok: false, code: 'LEASE_ACTIVE' };
    }
    if (c.status === 'disabled')
      return { ok: true, changed: false, credential: this.record(c, false) };
    c.status = 'disabled';
    delete c.lease;
    c.updatedAtMs = now;
    this.events.push({ ...base, kind: c.kind, eventType: 'disable' });
    return { ok: true, changed: true, credential: this.record(c, false) };
  }

  listCredentials(filter: ListFilter): CredentialRecord[] {
    return [...this.credentials.values()]
      .filter(
        (c) =>
          (filter.kind === undefined || c.kind === filter.kind) &&
          (filter.status === 'all' || c.status === filter.status),
      )
      .map((c) => this.record(c, filter.includePayload))
      .sort(compareListOrder)
      .slice(0, filter.limit);
  }

  /** What the lease's holder would present, if a lease is stored. */
  holderOf(
    credentialId: string,
  ): { ownerId: string; leaseToken: string; actorRole: ActorRole } | undefined {
    const lease = this.credentials.get(credentialId)?.lease;
    return lease
      ? { ownerId: lease.ownerId, leaseToken: lease.leaseToken, actorRole: lease.actorRole }
      : undefined;
  }

  kindOf(credentialId: string): string | undefined {
    return this.credentials.get(credentialId)?.kind;
  }

  private record(c: ModelCredential, includePayload: boolean): CredentialRecord {
    return {
      credentialId: c.credentialId,
      kind: c.kind,
      status: c.status,
      createdAtMs: c.createdAtMs,
      updatedAtMs: c.updatedAtMs,
      lastLeasedAtMs: c.lastLeasedAtMs,
      ...(c.note !== undefined ? { note: c.note } : {}),
      ...(c.lease
        ? {
            lease: {
              ownerId: c.lease.ownerId,
              actorRole: c.lease.actorRole,
              acquiredAtMs: c.lease.acquiredAtMs,
              heartbeatAtMs: c.lease.heartbeatAtMs,
              expiresAtMs: c.lease.expiresAtMs,
            },
          }
        : {}),
      ...(includePayload
        ? { payload: { pieces: [...c.payload.pieces], byteLength: c.payload.byteLength } }
        : {}),
    };
  }
}
