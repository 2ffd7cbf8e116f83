import type {
  AdminEventType,
  BrokerEvent,
  EventFilter,
  EventPage,
  LeaseEventType,
} from '@qa-broker/store';
import { StoreError } from '@qa-broker/store';
import type { RedisClient } from './redis-client.js';
import { toStoreError } from './errors.js';

/**
 * Reads events from several event logs (lease events per kind, admin events per kind and
 * the kind-less admin log) as one list, oldest first, one bounded page at a time.
 *
 * A log is a zset with every score 0 and members `<occurredAtMs>:<seq>:<event JSON>`, both
 * numbers zero-padded to 16 digits, so each log is in time order under ZRANGE BYLEX. A page
 * is a k-way merge ordered by (occurredAtMs, seq, log tag). An eventId is
 * `<log tag>@<occurredAtMs>-<seq>` and the cursor is the last eventId returned: each log
 * resumes after it (logs whose tag sorts after the cursor's resume at it, inclusive).
 */
export interface EventLog {
  key: string;
  /** Unique per log; orders events of equal time and sequence. */
  tag: string;
  category: 'lease' | 'admin';
  /** The kind of a per-kind log. */
  kind?: string;
}

export function leaseLogTag(kind: string): string {
  return `lease:${kind}`;
}

export function adminLogTag(kind: string | undefined): string {
  return `admin:${kind ?? ''}`;
}

interface Position {
  ms: number;
  seq: number;
}

interface Positioned {
  event: BrokerEvent;
  position: Position;
  tag: string;
}

const LEASE_EVENT_TYPES: readonly LeaseEventType[] = [
  'acquire',
  'acquire_failed',
  'release',
  'quarantine',
];
const ADMIN_EVENT_TYPES: readonly AdminEventType[] = [
  'add',
  'disable',
  'disable_failed',
  'restore',
  'quarantine',
  'update',
  'policy',
];
const PAD = 16;

/** Event-log members start with these zero-padded numbers, so time order is lex order. */
export function padEventNumber(value: number): string {
  return pad(value);
}

function pad(value: number): string {
  return String(Math.max(0, Math.trunc(value))).padStart(PAD, '0');
}

/** The lexicographic bound just before every member of `position` (inclusive start). */
function atPosition(position: Position): string {
  return `[${pad(position.ms)}:${pad(position.seq)}:`;
}

/** The lexicographic bound just after every member of `position` (';' follows ':'). */
function afterPosition(position: Position): string {
  return `[${pad(position.ms)}:${pad(position.seq)};`;
}

function comparePositioned(a: Positioned, b: Positioned): number {
  return (
    a.position.ms - b.position.ms ||
    a.position.seq - b.position.seq ||
    (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
  );
}

function parseCursor(cursor: string): { tag: string; position: Position } {
  const at = cursor.lastIndexOf('@');
  const match = /^(\d+)-(\d+)$/.exec(cursor.slice(at + 1));
  if (at < 0 || !match) throw new StoreError('INTERNAL_ERROR', 'The event cursor is not valid.');
  return { tag: cursor.slice(0, at), position: { ms: Number(match[1]), seq: Number(match[2]) } };
}

function optionalText(object: Record<string, unknown>, name: string): string | undefined {
  const value = object[name];
  return typeof value === 'string' ? value : undefined;
}

/** Decodes one log member; a member this package did not write is skipped, not fatal. */
function decodeMember(log: EventLog, member: string): Positioned | undefined {
  const match = /^(\d{16}):(\d{16}):(.*)$/s.exec(member);
  if (!match) return undefined;
  const position = { ms: Number(match[1]), seq: Number(match[2]) };
  let fields: unknown;
  try {
    fields = JSON.parse(match[3]!);
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null) return undefined;
  const object = fields as Record<string, unknown>;
  const optional: { credentialId?: string; code?: string; message?: string } = {};
  for (const name of ['credentialId', 'code', 'message'] as const) {
    const value = optionalText(object, name);
    if (value !== undefined) optional[name] = value;
  }
  const eventId = `${log.tag}@${position.ms}-${position.seq}`;
  const eventType = optionalText(object, 'eventType');
  let event: BrokerEvent;
  if (log.category === 'lease') {
    const type = LEASE_EVENT_TYPES.find((known) => known === eventType);
    const actorRole = optionalText(object, 'actorRole');
    if (!type || log.kind === undefined || (actorRole !== 'ci' && actorRole !== 'maintainer')) {
      return undefined;
    }
    event = {
      eventId,
      category: 'lease',
      eventType: type,
      kind: log.kind,
      actorRole,
      ownerId: optionalText(object, 'ownerId') ?? '',
      occurredAtMs: position.ms,
      ...optional,
    };
  } else {
    const type = ADMIN_EVENT_TYPES.find((known) => known === eventType);
    if (!type) return undefined;
    const kind = optionalText(object, 'kind');
    event = {
      eventId,
      category: 'admin',
      eventType: type,
      actorRole: 'maintainer',
      actorId: optionalText(object, 'actorId') ?? 'unknown',
      occurredAtMs: position.ms,
      ...optional,
      ...(kind !== undefined ? { kind } : {}),
    };
  }
  return { event, position, tag: log.tag };
}

function matches(event: BrokerEvent, filter: EventFilter): boolean {
  if (filter.kind !== undefined && event.kind !== filter.kind) return false;
  if (filter.credentialId !== undefined && event.credentialId !== filter.credentialId) return false;
  if (filter.eventTypes && !filter.eventTypes.includes(event.eventType)) return false;
  if (filter.fromMs !== undefined && event.occurredAtMs < filter.fromMs) return false;
  if (filter.toMs !== undefined && event.occurredAtMs >= filter.toMs) return false;
  return true;
}

/** Pulls one log forward in bounded ZRANGE BYLEX batches, keeping only matching events. */
class EventLogReader {
  private readonly buffer: Positioned[] = [];
  private start: string;
  private readonly end: string;
  private exhausted: boolean;

  constructor(
    private readonly client: RedisClient,
    private readonly log: EventLog,
    private readonly filter: EventFilter,
    private readonly batchSize: number,
    cursor: { tag: string; position: Position } | undefined,
  ) {
    const fromMs = filter.fromMs ?? 0;
    if (cursor && cursor.position.ms >= fromMs) {
      this.start =
        log.tag > cursor.tag ? atPosition(cursor.position) : afterPosition(cursor.position);
    } else {
      this.start = filter.fromMs !== undefined ? `[${pad(filter.fromMs)}:` : '-';
    }
    this.end = filter.toMs !== undefined ? `(${pad(filter.toMs)}:` : '+';
    this.exhausted = filter.toMs !== undefined && filter.toMs <= fromMs;
  }

  async head(): Promise<Positioned | undefined> {
    while (this.buffer.length === 0 && !this.exhausted) await this.fetch();
    return this.buffer[0];
  }

  shift(): void {
    this.buffer.shift();
  }

  private async fetch(): Promise<void> {
    let members: string[];
    try {
      members = await this.client.zrangebylex(
        this.log.key,
        this.start,
        this.end,
        'LIMIT',
        0,
        this.batchSize,
      );
    } catch (error) {
      throw toStoreError(error, 'list-events');
    }
    if (members.length < this.batchSize) this.exhausted = true;
    const last = members.at(-1);
    if (last !== undefined) this.start = `(${last}`;
    for (const member of members) {
      const decoded = decodeMember(this.log, member);
      if (decoded && matches(decoded.event, this.filter)) this.buffer.push(decoded);
    }
  }
}

export async function readEventPage(
  client: RedisClient,
  logs: readonly EventLog[],
  filter: EventFilter,
): Promise<EventPage> {
  const limit = Math.max(1, Math.trunc(filter.limit));
  const cursor = filter.cursor !== undefined ? parseCursor(filter.cursor) : undefined;
  const batchSize = Math.min(500, Math.max(32, limit + 1));
  const readers = logs.map((log) => new EventLogReader(client, log, filter, batchSize, cursor));
  await Promise.all(readers.map((reader) => reader.head()));

  const events: BrokerEvent[] = [];
  while (events.length < limit) {
    let best: { reader: EventLogReader; head: Positioned } | undefined;
    for (const reader of readers) {
      const head = await reader.head();
      if (head && (!best || comparePositioned(head, best.head) < 0)) best = { reader, head };
    }
    if (!best) break;
    events.push(best.head.event);
    best.reader.shift();
  }

  let more = false;
  if (events.length === limit) {
    for (const reader of readers) {
      if (await reader.head()) {
        more = true;
        break;
      }
    }
  }
  const last = events.at(-1);
  return more && last ? { events, nextCursor: last.eventId } : { events };
}
