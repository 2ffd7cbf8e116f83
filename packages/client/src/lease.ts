import type { ActorRole, PayloadOf } from '@qa-broker/contract';
import { BrokerError } from './broker-error.js';
import type { AcquireOkBody, BrokerRoutes } from './broker-routes.js';
import { HeartbeatLoop } from './heartbeat-loop.js';
import { sendableReason } from './release-reason.js';

export type LeaseState = 'held' | 'lost' | 'released';

/**
 * How a lease ends. `outcome: 'broken'` gives the credential back and reports it broken
 * (the broker quarantines it at the kind's `quarantineAfterBroken` consecutive reports);
 * `reason` says why (trimmed and cut to 1,000 characters; never put a secret in it).
 */
export type ReleaseOptions = { outcome?: 'ok' } | { outcome: 'broken'; reason?: string };

/**
 * A credential held by this process. Heartbeats run by themselves until `release()`;
 * `signal` aborts (its `reason` a LEASE_LOST BrokerError saying why) if the lease is lost.
 * `await using lease = await client.acquireLease(…)` releases it at the end of the scope.
 */
export interface Lease<K extends string = string> extends AsyncDisposable {
  readonly kind: K;
  readonly credentialId: string;
  readonly payload: PayloadOf<K>;
  /** Strictly increases with every lease ever granted on this credential. */
  readonly fencingToken: number;
  /** When the broker will consider the lease expired (broker clock, ms); moves on each beat. */
  readonly expiresAtMs: number;
  /**
   * When the kind's `maxHoldMs` policy caps this lease (broker clock, ms): heartbeats never
   * extend it past this instant, and the lease counts as lost (its `signal` aborts) then.
   * Undefined when no cap applies.
   */
  readonly maxExpiresAtMs: number | undefined;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs: number;
  readonly ownerId: string;
  readonly signal: AbortSignal;
  readonly state: LeaseState;
  /** Extends the lease now (the loop also does it by itself). */
  heartbeat(): Promise<void>;
  /**
   * Gives the credential back; idempotent (the first call's outcome counts). Without
   * options it uses what `markBroken` recorded, else `ok`. Rejects if the broker could not
   * be told.
   */
  release(options?: ReleaseOptions): Promise<void>;
  /**
   * Records that the credential is broken, for the release that ends the lease without
   * options of its own: `withLease`'s, `await using`'s, or a plain `release()`. Call it
   * before that release (for example inside `withLease`'s callback).
   */
  markBroken(reason?: string): void;
}

export interface LeaseContext {
  routes: BrokerRoutes;
  role: ActorRole;
  ownerId: string;
  kind: string;
  grant: AcquireOkBody;
  /** Monotonic time the granting request was sent: the TTL is counted from there. */
  grantedAt: number;
  onReleaseError: (error: unknown, lease: Lease) => void;
}

/** The Lease implementation. Its payload is set once hydration and checks pass. */
export class HeldLease<K extends string> implements Lease<K> {
  readonly credentialId: string;
  readonly fencingToken: number;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs: number;
  private currentExpiresAtMs: number;
  private currentMaxExpiresAtMs: number | undefined;
  private markedBroken: { outcome: 'broken'; reason?: string } | undefined;
  private currentState: LeaseState = 'held';
  private currentPayload: PayloadOf<K> | undefined;
  private lostReason: BrokerError | undefined;
  private releasing: Promise<void> | undefined;
  private readonly lostController = new AbortController();
  private readonly loop: HeartbeatLoop;

  constructor(private readonly context: LeaseContext) {
    const { grant } = context;
    this.credentialId = grant.credentialId;
    this.fencingToken = grant.fencingToken;
    this.leaseTtlMs = grant.leaseTtlMs;
    this.heartbeatIntervalMs = grant.heartbeatIntervalMs;
    this.currentExpiresAtMs = grant.expiresAtMs;
    this.currentMaxExpiresAtMs = grant.maxExpiresAtMs;
    this.loop = new HeartbeatLoop({
      intervalMs: grant.heartbeatIntervalMs,
      ttlMs: grant.leaseTtlMs,
      describe: `Lease on credential ${grant.credentialId} (kind "${context.kind}")`,
      beat: async (signal) => {
        const ok = await context.routes.heartbeat(
          { ...this.leaseFields(), leaseTtlMs: this.leaseTtlMs },
          { signal },
        );
        this.currentExpiresAtMs = ok.expiresAtMs;
        // A policy set (or cleared) after the grant applies from the next heartbeat, whose
        // answer carries the cap whenever one applies.
        if (ok.maxExpiresAtMs !== this.currentMaxExpiresAtMs) {
          this.currentMaxExpiresAtMs = ok.maxExpiresAtMs;
          this.loop.capAt(ok.maxExpiresAtMs);
        }
      },
      onLost: (reason) => {
        this.currentState = 'lost';
        this.lostReason = reason;
        this.lostController.abort(reason);
      },
    });
    this.loop.start(context.grantedAt);
    if (grant.maxExpiresAtMs !== undefined) this.loop.capAt(grant.maxExpiresAtMs);
  }

  get kind(): K {
    return this.context.kind as K;
  }
  get ownerId(): string {
    return this.context.ownerId;
  }
  get payload(): PayloadOf<K> {
    if (this.currentPayload === undefined) {
      throw new BrokerError('PAYLOAD_CORRUPT', 'The lease payload has not been read yet.', {
        transient: false,
      });
    }
    return this.currentPayload;
  }
  get expiresAtMs(): number {
    return this.currentExpiresAtMs;
  }
  get maxExpiresAtMs(): number | undefined {
    return this.currentMaxExpiresAtMs;
  }
  get signal(): AbortSignal {
    return this.lostController.signal;
  }
  get state(): LeaseState {
    return this.currentState;
  }

  /** @internal Set by acquireLease once the payload is hydrated and checked. */
  setPayload(payload: PayloadOf<K>): void {
    this.currentPayload = payload;
  }

  heartbeat(): Promise<void> {
    if (this.lostReason) return Promise.reject(this.lostReason);
    if (this.currentState === 'released' || this.releasing) {
      return Promise.reject(
        new BrokerError(
          'LEASE_NOT_FOUND',
          `Lease on credential ${this.credentialId} was released.`,
          {
            transient: false,
          },
        ),
      );
    }
    return this.loop.beatNow();
  }

  markBroken(reason?: string): void {
    const cleaned = sendableReason(reason);
    this.markedBroken =
      cleaned === undefined ? { outcome: 'broken' } : { outcome: 'broken', reason: cleaned };
  }

  release(options?: ReleaseOptions): Promise<void> {
    this.releasing ??= this.sendRelease(options ?? this.markedBroken).catch((error: unknown) => {
      // Let a later call try again.
      this.releasing = undefined;
      throw error;
    });
    return this.releasing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.release();
    } catch (error) {
      this.context.onReleaseError(error, this);
    }
  }

  private async sendRelease(options: ReleaseOptions | undefined): Promise<void> {
    if (this.currentState === 'released') return;
    const wasLost = this.currentState === 'lost';
    this.loop.stop();
    try {
      await this.context.routes.release({ ...this.leaseFields(), ...outcomeFields(options) });
    } catch (error) {
      // A lost lease may already belong to someone else: nothing of ours is left to give back.
      if (!(wasLost && error instanceof BrokerError && !error.transient)) throw error;
    }
    if (this.currentState === 'held') this.currentState = 'released';
  }

  private leaseFields() {
    return {
      actorRole: this.context.role,
      kind: this.context.kind,
      ownerId: this.context.ownerId,
      credentialId: this.credentialId,
      leaseToken: this.context.grant.leaseToken,
    };
  }
}

/** The release body's outcome fields; nothing for `ok`, so an old broker sees v1's body. */
function outcomeFields(options: ReleaseOptions | undefined) {
  if (options?.outcome !== 'broken') return {};
  const reason = sendableReason(options.reason);
  return { outcome: 'broken' as const, ...(reason === undefined ? {} : { reason }) };
}
