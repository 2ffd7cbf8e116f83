import { WAIT_POLICY, checkHeartbeatInterval, checkLeaseTtl } from '@qa-broker/contract';
import type { AcquireBody, AcquireOk, WaitRequest, brokerContract } from '@qa-broker/contract';
import type { AcquireResult, GrantedLease, QueuePlace } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { Response } from 'express';
import type { BrokerDeps } from '../broker-deps.js';
import { BrokerError } from '../broker-error.js';
import { fail, failWith } from '../error-response.js';
import type { ErrorResult } from '../error-response.js';
import { newLeaseToken, storedLeaseToken } from '../lease-token.js';
import { chunkMarker } from '../payload-codec.js';
import { sealToken, ticketIdOf, unsealToken } from '../queue/ticket-seal.js';

type Answer = { status: 200; body: AcquireOk } | ErrorResult;

interface Terms {
  leaseTtlMs: number;
  heartbeatIntervalMs: number;
}

const exhaustedMessage = (kind: string, quota?: 'role' | 'owner') =>
  quota === undefined
    ? `No available credential for kind "${kind}".`
    : `No available credential for kind "${kind}" within its per-${quota} quota.`;

export function acquireHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.acquire> {
  const { store, codec, leaseBounds, logger, metrics, waitRoom, queueMax } = deps;

  /** The inline payload, or the chunk marker that sends the caller to payload-chunk. */
  async function payloadOf(lease: GrantedLease): Promise<Record<string, unknown>> {
    if (lease.chunkCount > 1 || lease.inlinePiece === undefined) {
      return chunkMarker(lease.byteLength, lease.chunkCount);
    }
    return codec.openInline(lease.credentialId, lease.inlinePiece);
  }

  /** Gives a lease back whose holder will never learn its token. */
  async function giveBack(body: AcquireBody, credentialId: string, leaseToken: string) {
    await store
      .release({
        kind: body.kind,
        ownerId: body.ownerId,
        actorRole: body.actorRole,
        credentialId,
        leaseToken: storedLeaseToken(leaseToken),
      })
      .catch((error: unknown) => {
        logger.warn({ credentialId, err: error }, 'giving back an undeliverable lease failed');
      });
  }

  async function granted(
    body: AcquireBody,
    res: Response,
    lease: GrantedLease,
    leaseToken: string,
    terms: Terms,
    ticket?: string,
  ): Promise<Answer> {
    metrics.grant(body.kind, lease, terms.leaseTtlMs);
    let payload: Record<string, unknown>;
    try {
      payload = await payloadOf(lease);
    } catch (error) {
      // The caller never learns the token, so give the credential back instead of
      // leaving it stuck until the lease expires.
      await giveBack(body, lease.credentialId, leaseToken);
      if (error instanceof BrokerError) return failWith(res, error);
      throw error;
    }
    return {
      status: 200,
      body: {
        status: 'ok',
        credentialId: lease.credentialId,
        leaseToken,
        payload,
        leaseTtlMs: terms.leaseTtlMs,
        heartbeatIntervalMs: terms.heartbeatIntervalMs,
        expiresAtMs: lease.expiresAtMs,
        fencingToken: lease.fencingToken,
        ...(lease.maxExpiresAtMs === undefined ? {} : { maxExpiresAtMs: lease.maxExpiresAtMs }),
        ...(ticket === undefined ? {} : { ticket, waitedMs: lease.waitedMs ?? 0 }),
      },
    };
  }

  function exhausted(
    res: Response,
    kind: string,
    place: QueuePlace | undefined,
    quota?: 'role' | 'owner',
  ): ErrorResult {
    metrics.exhausted(kind);
    if (place === undefined) return fail(res, 'POOL_EXHAUSTED', exhaustedMessage(kind, quota));
    // An old client holding an implicit place: near the head it should poll sooner.
    return failWith(
      res,
      new BrokerError('POOL_EXHAUSTED', exhaustedMessage(kind, quota), {
        retryAfterMs: WAIT_POLICY.pollRetryAfterMs(place.position),
        details: { position: place.position, queueLength: place.queueLength },
      }),
    );
  }

  function stillWaiting(res: Response, kind: string, ticket: string, place: QueuePlace) {
    metrics.waiting(kind);
    return failWith(
      res,
      new BrokerError(
        'POOL_EXHAUSTED',
        `No credential of kind "${kind}" yet: position ${place.position} of ${place.queueLength}; re-ask with the same ticket.`,
        { retryAfterMs: 0, details: { waiting: true, ticket, ...place } },
      ),
    );
  }

  async function acquireNow(body: AcquireBody, res: Response, terms: Terms): Promise<Answer> {
    // The caller gets the token; the store only ever sees its hash.
    const leaseToken = newLeaseToken();
    const result = await store.acquire({
      kind: body.kind,
      ownerId: body.ownerId,
      actorRole: body.actorRole,
      leaseToken: storedLeaseToken(leaseToken),
      leaseTtlMs: terms.leaseTtlMs,
    });
    if (result.ok) return granted(body, res, result.lease, leaseToken, terms);
    if (result.code === 'POOL_EXHAUSTED') {
      return exhausted(res, body.kind, result.queue, result.quota);
    }
    // Only a queued acquire can be answered otherwise.
    throw new Error(`acquire without wait answered ${result.code}`);
  }

  /**
   * A queued acquire (spec §1): ask the store with the ticket; while it says WAITING, hold
   * the request open until a wake-up or a tick says the ticket holds a grant, then ask
   * again (which delivers it). Every ask carries a fresh token sealed under the ticket: the
   * store keeps the one that delivers, and a later re-ask unseals that same token.
   */
  async function acquireQueued(
    body: AcquireBody,
    wait: WaitRequest,
    res: Response,
    terms: Terms,
  ): Promise<Answer | undefined> {
    const { ticket } = wait;
    const ticketId = ticketIdOf(ticket);
    const maxWaitMs = wait.maxWaitMs ?? WAIT_POLICY.maxWaitMs.default;
    const until = performance.now() + maxWaitMs;
    waitRoom.served(body.kind);
    let lastTry = maxWaitMs === 0;
    for (;;) {
      const leaseToken = newLeaseToken();
      const result: AcquireResult = await store.acquire({
        kind: body.kind,
        ownerId: body.ownerId,
        actorRole: body.actorRole,
        leaseToken: storedLeaseToken(leaseToken),
        leaseTtlMs: terms.leaseTtlMs,
        wait: {
          ticketId,
          priority: wait.priority ?? WAIT_POLICY.priority.default,
          brokerId: waitRoom.brokerId,
          sealedToken: sealToken(ticket, leaseToken),
          queueMax,
        },
      });
      if (result.ok) {
        const { lease } = result;
        const token =
          lease.sealedToken === undefined ? leaseToken : unsealToken(ticket, lease.sealedToken);
        if (res.closed && lease.sealedToken === undefined) {
          // Delivered to a request whose client left meanwhile: hand it on now.
          await giveBack(body, lease.credentialId, token);
          return undefined;
        }
        return granted(body, res, lease, token, terms, ticket);
      }
      switch (result.code) {
        case 'TICKET_CONFLICT':
          return fail(res, 'TICKET_CONFLICT');
        case 'QUEUE_FULL':
          return fail(res, 'QUEUE_FULL');
        case 'POOL_EXHAUSTED':
          throw new Error('acquire with wait answered POOL_EXHAUSTED');
        case 'WAITING':
          break;
      }
      if (lastTry) return stillWaiting(res, body.kind, ticket, result.queue);
      const outcome = await waitRoom.park(body.kind, ticketId, until - performance.now(), res);
      if (outcome === 'closed') {
        waitRoom.cancel(body.kind, ticketId);
        return undefined;
      }
      if (outcome === 'draining') return stillWaiting(res, body.kind, ticket, result.queue);
      // Woken: ask again now. Timed out: ask once more, for a fresh place (or a late grant).
      lastTry = outcome === 'timeout';
    }
  }

  return async ({ body, res }) => {
    if (body.wait && (body.wait.priority ?? 0) > 0 && body.actorRole !== 'maintainer') {
      return fail(
        res,
        'AUTH_ROLE_MISMATCH',
        'Only the maintainer role may wait with a priority above 0.',
      );
    }
    const ttl = checkLeaseTtl(body.leaseTtlMs, leaseBounds);
    if (!ttl.ok) return fail(res, ttl.code, ttl.message);
    const interval = checkHeartbeatInterval(body.heartbeatIntervalMs, leaseBounds);
    if (!interval.ok) return fail(res, interval.code, interval.message);
    const terms = { leaseTtlMs: ttl.value, heartbeatIntervalMs: interval.value };

    if (!body.wait) return acquireNow(body, res, terms);
    const answer = await acquireQueued(body, body.wait, res, terms);
    // The client left: nothing reaches it; the status only shows in the request log.
    return answer ?? fail(res, 'POOL_EXHAUSTED', exhaustedMessage(body.kind));
  };
}
