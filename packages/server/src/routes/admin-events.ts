import { checkListLimit } from '@qa-broker/contract';
import type { BrokerEvent, brokerContract } from '@qa-broker/contract';
import { isStoreError } from '@qa-broker/store';
import type { BrokerEvent as StoredEvent, EventFilter, EventPage } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';

const BAD_CURSOR = 'Expected "cursor" to be the nextCursor of a previous page.';

/** Copies only the documented fields, so nothing a store adds can reach the wire. */
function wireEvent(event: StoredEvent): BrokerEvent {
  const optional = {
    ...(event.credentialId === undefined ? {} : { credentialId: event.credentialId }),
    ...(event.code === undefined ? {} : { code: event.code }),
    ...(event.message === undefined ? {} : { message: event.message }),
  };
  if (event.category === 'lease') {
    return {
      eventId: event.eventId,
      category: 'lease',
      eventType: event.eventType,
      kind: event.kind,
      actorRole: event.actorRole,
      ownerId: event.ownerId,
      occurredAtMs: event.occurredAtMs,
      ...optional,
    };
  }
  return {
    eventId: event.eventId,
    category: 'admin',
    eventType: event.eventType,
    actorRole: 'maintainer',
    actorId: event.actorId,
    occurredAtMs: event.occurredAtMs,
    ...(event.kind === undefined ? {} : { kind: event.kind }),
    ...optional,
  };
}

/**
 * Stores refuse a cursor they did not issue with an internal error. When the same query
 * without the cursor works, the cursor was the problem: the caller gets a 400 naming it,
 * and a real store failure still surfaces as one.
 */
async function listWithCursorCheck(
  deps: BrokerDeps,
  filter: EventFilter,
): Promise<EventPage | 'bad-cursor'> {
  try {
    return await deps.store.listEvents(filter);
  } catch (error) {
    if (filter.cursor === undefined || !isStoreError(error) || error.code !== 'INTERNAL_ERROR') {
      throw error;
    }
    const { cursor: _ignored, ...withoutCursor } = filter;
    await deps.store.listEvents({ ...withoutCursor, limit: 1 });
    return 'bad-cursor';
  }
}

export function adminEventsHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.events> {
  return async ({ body, res }) => {
    if (body.fromMs !== undefined && body.toMs !== undefined && body.fromMs > body.toMs) {
      return fail(res, 'INVALID_BODY', 'Expected "fromMs" to be at most "toMs".');
    }
    const limit = checkListLimit(body.limit);
    if (!limit.ok) return fail(res, limit.code, limit.message);
    const page = await listWithCursorCheck(deps, {
      limit: limit.value,
      ...(body.category ? { category: body.category } : {}),
      ...(body.kind ? { kind: body.kind } : {}),
      ...(body.credentialId ? { credentialId: body.credentialId } : {}),
      ...(body.eventType ? { eventTypes: [body.eventType] } : {}),
      ...(body.fromMs === undefined ? {} : { fromMs: body.fromMs }),
      ...(body.toMs === undefined ? {} : { toMs: body.toMs }),
      ...(body.cursor ? { cursor: body.cursor } : {}),
    });
    if (page === 'bad-cursor') return fail(res, 'INVALID_BODY', BAD_CURSOR);
    const events = page.events.map(wireEvent);
    return {
      status: 200,
      body: {
        status: 'ok',
        events,
        count: events.length,
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      },
    };
  };
}
