import type { CredentialStore } from '@qa-broker/store';
import type { GrantEvent } from './history.ts';

export type StoreType = 'redis' | 'postgres' | 'redis-cluster';

/** Opens the adapter the brokers use, directly on the private store (not through the proxy). */
export async function openStoreDirect(type: StoreType, url: string): Promise<CredentialStore> {
  if (type === 'redis' || type === 'redis-cluster') {
    const { openRedisStore } = await import('@qa-broker/store-redis');
    return openRedisStore({ url });
  }
  const { openPostgresStore } = await import('@qa-broker/store-postgres');
  return openPostgresStore({ connectionString: url, migrate: false });
}

/** Every `acquire` lease event the store recorded, in pages, oldest first. */
export async function readGrantEvents(store: CredentialStore): Promise<GrantEvent[]> {
  const events: GrantEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listEvents({
      category: 'lease',
      eventTypes: ['acquire'],
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    for (const event of page.events) {
      if (event.category !== 'lease' || event.eventType !== 'acquire' || !event.credentialId)
        continue;
      events.push({
        ownerId: event.ownerId,
        credentialId: event.credentialId,
        occurredAtMs: event.occurredAtMs,
      });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}
