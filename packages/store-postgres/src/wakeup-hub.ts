import type { WakeupSubscription } from '@qa-broker/store';
import { notifyChannel } from './queries/notify.js';
import type { Wakeup } from './queries/wake-rows.js';
import type { Queryable } from './sql-client.js';
import { wakeChannel, type WakeHandler, type WakeRegistry } from './wake-registry.js';
import type { WakeListener } from './wake-listener.js';

/** pg_notify payloads must stay under 8,000 bytes; ticketIds are 64 hex characters. */
const MAX_PAYLOAD_CHARS = 7_800;

/**
 * Carries the wake-ups of granted tickets to their brokers. A broker subscribed in this
 * process is called directly; any other is sent `pg_notify` on its channel after the step
 * committed (only with a listener, i.e. PostgreSQL with `notify` on). Wake-ups are hints.
 */
export class WakeupHub {
  constructor(
    private readonly schema: string,
    private readonly registry: WakeRegistry,
    /** Absent: in-process only (PGlite, or PostgreSQL in poll-only mode). */
    private readonly listener?: WakeListener,
  ) {}

  get notifies(): boolean {
    return this.listener !== undefined;
  }

  async subscribe(brokerId: string, onWake: WakeHandler): Promise<WakeupSubscription> {
    const channel = wakeChannel(this.schema, brokerId);
    const first = !this.registry.has(channel);
    const remove = this.registry.add(channel, onWake);
    if (first) await this.listener?.listen(channel);
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        remove();
        if (!this.registry.has(channel)) await this.listener?.unlisten(channel);
      },
    };
  }

  /** A notification that reached the listener connection. */
  receive(channel: string, payload: string): void {
    this.registry.emit(channel, payload.split(',').filter(Boolean));
  }

  /** Run after COMMIT, on its own autocommit statements. Never throws. */
  async deliver(db: Queryable, wakeups: Wakeup[]): Promise<void> {
    if (wakeups.length === 0) return;
    const byChannel = new Map<string, string[]>();
    for (const { brokerId, ticketId } of wakeups) {
      const channel = wakeChannel(this.schema, brokerId);
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), ticketId]);
    }
    for (const [channel, ticketIds] of byChannel) {
      if (this.registry.emit(channel, ticketIds) || !this.listener) continue;
      for (const payload of payloads(ticketIds)) {
        await notifyChannel(db, channel, payload).catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }
}

function payloads(ticketIds: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const id of ticketIds) {
    const next = current ? `${current},${id}` : id;
    if (next.length > MAX_PAYLOAD_CHARS && current) {
      out.push(current);
      current = id;
    } else {
      current = next;
    }
  }
  if (current) out.push(current);
  return out;
}
