import { WAIT_POLICY } from '@qa-broker/contract';
import type { QueueWaiter, WaiterMode, brokerContract } from '@qa-broker/contract';
import type { QueuedWaiter } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { fingerprintOfWaiter } from '../queue/ticket-seal.js';

const { queueListLimit } = WAIT_POLICY;

function modeOf(waiter: QueuedWaiter): WaiterMode {
  if (waiter.reserved) return 'reserved';
  return waiter.explicit ? 'parked' : 'polling';
}

/** Copies only the documented fields: never a ticket, only its fingerprint. */
function wireWaiter(waiter: QueuedWaiter, index: number): QueueWaiter {
  return {
    position: index + 1,
    ticketFingerprint: fingerprintOfWaiter(waiter.waiterId, waiter.explicit),
    ownerId: waiter.ownerId,
    actorRole: waiter.actorRole,
    priority: waiter.priority,
    waitedMs: waiter.waitedMs,
    mode: modeOf(waiter),
  };
}

export function adminQueueHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.queue> {
  return async ({ body, res }) => {
    const limit = body.limit ?? queueListLimit.default;
    if (limit < queueListLimit.min || limit > queueListLimit.max) {
      return fail(
        res,
        'INVALID_LIST_LIMIT',
        `limit must be between ${queueListLimit.min} and ${queueListLimit.max}.`,
      );
    }
    const queues = await deps.store.listQueues({
      ...(body.kind ? { kind: body.kind } : {}),
      limit,
    });
    return {
      status: 200,
      body: {
        status: 'ok',
        queues: queues.map((queue) => ({
          kind: queue.kind,
          waiters: queue.waiters.map(wireWaiter),
        })),
      },
    };
  };
}
