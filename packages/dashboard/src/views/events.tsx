import { EVENT_CATEGORIES, EVENT_TYPES } from '@qa-broker/contract';
import type { AdminEventsBody, BrokerEvent } from '@qa-broker/contract';
import { useState } from 'preact/hooks';
import { LoadState } from '../components/load-state.js';
import { ScrollTable } from '../components/scroll-table.js';
import { dateTime } from '../format.js';
import { usePoll } from '../poll.js';
import type { ViewProps } from './registry.js';

export const EVENTS_PAGE_SIZE = 50;

const SINCE: readonly { label: string; ms: number | undefined }[] = [
  { label: 'Last 15 minutes', ms: 15 * 60_000 },
  { label: 'Last hour', ms: 60 * 60_000 },
  { label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 60 * 60_000 },
  { label: 'Everything kept', ms: undefined },
];

interface Filters {
  kind: string;
  credentialId: string;
  category: '' | (typeof EVENT_CATEGORIES)[number];
  eventType: '' | (typeof EVENT_TYPES)[number];
  since: number;
}

function who(event: BrokerEvent): string {
  return event.category === 'lease' ? event.ownerId : event.actorId;
}

/**
 * admin/events, oldest first within the chosen time range, filtered and paged by cursor
 * (earlier pages are kept so "Previous page" works). The page on screen refreshes itself.
 */
export function EventsView({ api }: ViewProps) {
  const [filters, setFilters] = useState<Filters>({
    kind: '',
    credentialId: '',
    category: '',
    eventType: '',
    since: 1,
  });
  // Cursors of the pages before the current one; the last is the current page's.
  const [cursors, setCursors] = useState<string[]>([]);
  // The lower time bound is fixed when the filters change, so paging does not slide.
  const [fromMs, setFromMs] = useState(() => startOf(1));

  const cursor = cursors.at(-1);
  const body: AdminEventsBody = {
    limit: EVENTS_PAGE_SIZE,
    ...(filters.kind.trim() ? { kind: filters.kind.trim() } : {}),
    ...(filters.credentialId.trim() ? { credentialId: filters.credentialId.trim() } : {}),
    ...(filters.category ? { category: filters.category } : {}),
    ...(filters.eventType ? { eventType: filters.eventType } : {}),
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(cursor ? { cursor } : {}),
  };
  const page = usePoll(() => api.events(body), [JSON.stringify(body)]);

  const update = (change: Partial<Filters>) => {
    const next = { ...filters, ...change };
    setFilters(next);
    setCursors([]);
    setFromMs(startOf(next.since));
  };

  return (
    <>
      <form
        class="filters"
        role="search"
        aria-label="Filter events"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Kind
          <input
            type="text"
            value={filters.kind}
            onInput={(e) => update({ kind: e.currentTarget.value })}
          />
        </label>
        <label>
          Credential
          <input
            type="text"
            value={filters.credentialId}
            onInput={(e) => update({ credentialId: e.currentTarget.value })}
          />
        </label>
        <label>
          Category
          <select
            value={filters.category}
            onChange={(e) => update({ category: e.currentTarget.value as Filters['category'] })}
          >
            <option value="">All</option>
            {EVENT_CATEGORIES.map((category) => (
              <option key={category} value={category}>
                {category}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select
            value={filters.eventType}
            onChange={(e) => update({ eventType: e.currentTarget.value as Filters['eventType'] })}
          >
            <option value="">All</option>
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <select
            value={String(filters.since)}
            onChange={(e) => update({ since: Number(e.currentTarget.value) })}
          >
            {SINCE.map((option, index) => (
              <option key={option.label} value={String(index)}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {page.value ? (
        page.value.events.length === 0 ? (
          <p class="empty">No events match.</p>
        ) : (
          <ScrollTable label="Events">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Kind</th>
                <th scope="col">By</th>
                <th scope="col">Credential</th>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {page.value.events.map((event) => (
                <tr key={event.eventId} data-event-type={event.eventType}>
                  <td>{dateTime(event.occurredAtMs)}</td>
                  <td>
                    <span class={`event event-${event.eventType}`}>{event.eventType}</span>
                  </td>
                  <td>{event.kind ?? ''}</td>
                  <td class="wrap">
                    {who(event)} <span class="muted">({event.actorRole})</span>
                  </td>
                  <td class="mono">{event.credentialId ?? ''}</td>
                  <td>{event.code ?? ''}</td>
                  <td class="wrap">{event.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        )
      ) : (
        <LoadState polled={page} what="events" />
      )}
      <nav class="pager" aria-label="Event pages">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors([])}>
          First page
        </button>
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span class="page-number">Page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!page.value?.nextCursor}
          onClick={() => page.value?.nextCursor && setCursors([...cursors, page.value.nextCursor])}
        >
          Next page
        </button>
      </nav>
    </>
  );
}

function startOf(sinceIndex: number): number | undefined {
  const ms = SINCE[sinceIndex]?.ms;
  return ms === undefined ? undefined : Date.now() - ms;
}
