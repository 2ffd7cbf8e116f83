import {
  StoreError,
  type AdminEventType,
  type BrokerEvent,
  type EventFilter,
  type EventPage,
  type LeaseEventType,
} from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';

interface EventRow {
  event_seq: unknown;
  category: 'lease' | 'admin';
  event_type: string;
  kind: string | null;
  actor_role: string;
  owner_id: string | null;
  actor_id: string | null;
  credential_id: string | null;
  code: string | null;
  message: string | null;
  occurred_at_ms: unknown;
}

/**
 * listEvents, one statement per page, oldest first. $1 category, $2 kind, $3 credentialId,
 * $4 eventTypes (text[]), $5 fromMs (inclusive), $6 toMs (exclusive), $7/$8 cursor
 * (occurred_at, event_seq of the last event returned), $9 limit + 1. Null = no filter.
 * Keyset paging on (occurred_at_ms, event_seq): events written later with an older
 * timestamp are still listed in time order and never skipped by a page boundary.
 */
export function listEventsQuery(schema: QuotedSchema) {
  const text = `
select event_seq, category, event_type, kind, actor_role, owner_id, actor_id, credential_id, code, message, occurred_at_ms
from ${schema}.events
where ($1::text is null or category = $1::text)
  and ($2::text is null or kind = $2::text)
  and ($3::text is null or credential_id = $3::text)
  and ($4::text[] is null or event_type = any($4::text[]))
  and ($5::bigint is null or occurred_at_ms >= $5::bigint)
  and ($6::bigint is null or occurred_at_ms < $6::bigint)
  and ($7::bigint is null or (occurred_at_ms, event_seq) > ($7::bigint, $8::bigint))
order by occurred_at_ms, event_seq
limit $9`;

  return async (db: Queryable, filter: EventFilter): Promise<EventPage> => {
    const cursor = filter.cursor === undefined ? undefined : parseCursor(filter.cursor);
    const { rows } = await db.query<EventRow>(text, [
      filter.category ?? null,
      filter.kind ?? null,
      filter.credentialId ?? null,
      filter.eventTypes ?? null,
      filter.fromMs ?? null,
      filter.toMs ?? null,
      cursor?.occurredAtMs ?? null,
      cursor?.eventSeq ?? null,
      filter.limit + 1,
    ]);
    const page = rows.slice(0, filter.limit);
    const events = page.map(toEvent);
    const last = page.at(-1);
    if (rows.length > filter.limit && last) {
      return { events, nextCursor: `${toNumber(last.occurred_at_ms)}.${toNumber(last.event_seq)}` };
    }
    return { events };
  };
}

function parseCursor(cursor: string): { occurredAtMs: number; eventSeq: number } {
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(cursor);
  if (!match) {
    throw new StoreError(
      'INTERNAL_ERROR',
      'Malformed event cursor: pass back the nextCursor of a previous page.',
    );
  }
  return { occurredAtMs: Number(match[1]), eventSeq: Number(match[2]) };
}

function toEvent(row: EventRow): BrokerEvent {
  const optional = {
    ...(row.credential_id !== null ? { credentialId: row.credential_id } : {}),
    ...(row.code !== null ? { code: row.code } : {}),
    ...(row.message !== null ? { message: row.message } : {}),
  };
  const eventId = String(toNumber(row.event_seq));
  const occurredAtMs = toNumber(row.occurred_at_ms);
  if (row.category === 'lease') {
    return {
      eventId,
      category: 'lease',
      eventType: row.event_type as LeaseEventType,
      kind: row.kind ?? '',
      actorRole: row.actor_role as 'ci' | 'maintainer',
      ownerId: row.owner_id ?? '',
      occurredAtMs,
      ...optional,
    };
  }
  return {
    eventId,
    category: 'admin',
    eventType: row.event_type as AdminEventType,
    actorRole: 'maintainer',
    actorId: row.actor_id ?? '',
    occurredAtMs,
    ...(row.kind !== null ? { kind: row.kind } : {}),
    ...optional,
  };
}
