import { createHash } from 'node:crypto';

export type WakeHandler = (ticketIds: string[]) => void;

/**
 * The channel a broker's wake-ups travel on: derived from the schema and the brokerId,
 * hashed so any brokerId fits PostgreSQL's 63-byte identifier limit (41 bytes here) and
 * needs no escaping. Two stores on one schema agree on it; two schemas never collide.
 */
export function wakeChannel(schema: string, brokerId: string): string {
  const digest = createHash('sha256').update(`${schema}\n${brokerId}`).digest('hex');
  return `qab_wake_${digest.slice(0, 32)}`;
}

/**
 * The wake handlers subscribed in this process, by channel. A wake-up for a channel held
 * here is a direct call, never a round trip. Handlers run on a later tick, so a throwing
 * or slow handler never delays or breaks the store step that granted.
 */
export class WakeRegistry {
  private readonly handlers = new Map<string, Set<WakeHandler>>();

  add(channel: string, handler: WakeHandler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) this.handlers.delete(channel);
    };
  }

  has(channel: string): boolean {
    return this.handlers.has(channel);
  }

  channels(): string[] {
    return [...this.handlers.keys()];
  }

  /** True when someone here listens on the channel (and has been called). */
  emit(channel: string, ticketIds: string[]): boolean {
    const set = this.handlers.get(channel);
    if (!set || ticketIds.length === 0) return set !== undefined;
    for (const handler of set) {
      setImmediate(() => {
        try {
          handler([...ticketIds]);
        } catch {
          // A wake-up is a hint: the broker's own ticks still find the grant.
        }
      });
    }
    return true;
  }
}

/** Stores sharing one PGlite instance share one registry: same process, same database. */
const pgliteRegistries = new WeakMap<object, WakeRegistry>();

export function registryFor(instance: object): WakeRegistry {
  let registry = pgliteRegistries.get(instance);
  if (!registry) {
    registry = new WakeRegistry();
    pgliteRegistries.set(instance, registry);
  }
  return registry;
}
