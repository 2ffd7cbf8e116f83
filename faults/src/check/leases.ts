import type {
  AcquireOp,
  Grant,
  HeartbeatOp,
  History,
  Op,
  ReleaseOp,
  RemoveOp,
} from '../history.ts';
import { deliveryFloors } from './tickets.ts';

export type GrantedAcquire = AcquireOp & { grant: Grant };

/** One lease the harness certainly got, with every operation that named it. */
export interface LeaseView {
  acquire: GrantedAcquire;
  credentialId: string;
  fencingToken: number;
  heartbeats: HeartbeatOp[];
  releases: ReleaseOp[];
  /** The acquire's ok answer: from here on the holder knows it holds the lease. */
  heldFrom: number;
  /** Lower bound of the moment the lease ended (see the checker's header). */
  heldUntil: number;
}

export interface CredentialOps {
  leases: LeaseView[];
  removes: RemoveOp[];
}

export function isGranted(op: Op): op is GrantedAcquire {
  return op.type === 'acquire' && op.outcome === 'ok' && op.grant !== undefined;
}

const leaseKey = (credentialId: string, leaseToken: string) => `${credentialId}\u0000${leaseToken}`;

/**
 * The end of certain holding: the store set expiry = (its now at the operation) + ttl,
 * and it performed the operation no earlier than the harness invoked it, so the lease
 * lives at least until invocation + ttl of the acquire (for a ticket's re-ask, of the
 * request that may have delivered it) or of any ok heartbeat. A release
 * that may have happened (ok or unknown) can end it as early as its invocation.
 */
function heldUntil(lease: Omit<LeaseView, 'heldFrom' | 'heldUntil'>, stampedFrom: number): number {
  let until = stampedFrom + lease.acquire.grant.leaseTtlMs;
  for (const beat of lease.heartbeats) {
    if (beat.outcome === 'ok') until = Math.max(until, beat.invokedAt + beat.leaseTtlMs);
  }
  for (const release of lease.releases) {
    if (release.outcome !== 'failed') until = Math.min(until, release.invokedAt);
  }
  return until;
}

/** Groups the history by credential; heartbeats and releases join their lease by token. */
export function leasesByCredential(history: History): Map<string, CredentialOps> {
  const byCredential = new Map<string, CredentialOps>();
  const entry = (credentialId: string): CredentialOps => {
    let found = byCredential.get(credentialId);
    if (!found) {
      found = { leases: [], removes: [] };
      byCredential.set(credentialId, found);
    }
    return found;
  };
  const byToken = new Map<string, Omit<LeaseView, 'heldFrom' | 'heldUntil'>>();
  // A ticket's re-ask after an unknown outcome may return a lease stamped by that request.
  const floors = deliveryFloors(history.ops);
  for (const op of history.ops) {
    if (isGranted(op)) {
      const draft = {
        acquire: op,
        credentialId: op.grant.credentialId,
        fencingToken: op.grant.fencingToken,
        heartbeats: [],
        releases: [],
      };
      byToken.set(leaseKey(op.grant.credentialId, op.grant.leaseToken), draft);
    } else if (op.type === 'remove') {
      entry(op.credentialId).removes.push(op);
    }
  }
  for (const op of history.ops) {
    if (op.type !== 'heartbeat' && op.type !== 'release') continue;
    const lease = byToken.get(leaseKey(op.credentialId, op.leaseToken));
    if (!lease) continue;
    if (op.type === 'heartbeat') lease.heartbeats.push(op);
    else lease.releases.push(op);
  }
  for (const draft of byToken.values()) {
    const view: LeaseView = {
      ...draft,
      heldFrom: draft.acquire.completedAt,
      heldUntil: heldUntil(draft, floors.get(draft.acquire.opId) ?? draft.acquire.invokedAt),
    };
    entry(view.credentialId).leases.push(view);
  }
  for (const ops of byCredential.values())
    ops.leases.sort((a, b) => a.fencingToken - b.fencingToken);
  return byCredential;
}
