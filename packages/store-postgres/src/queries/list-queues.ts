import type { ActorRole } from '@qa-broker/contract';
import type { KindQueue, QueueListFilter } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

interface QueuedRow {
  kind: string;
  waiter_id: string;
  explicit: boolean;
  owner_id: string;
  actor_role: ActorRole;
  priority: number;
  waited_ms: unknown;
  reserved: boolean;
}

/**
 * listQueues (admin/queue), one read-only statement. $1 kind (null = all), $2 limit per
 * kind, $3 nowMs (null = store clock).
 * Live entries only: those holding a grant not yet picked up (reserved, placed first) and
 * those still waiting before their deadline; each kind in queue order, kinds in code
 * points. Per kind, the limit applies after that order.
 */
export function listQueuesQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$3')}),
live as (
  select w.kind, w.waiter_id, w.explicit, w.owner_id, w.actor_role, w.priority, w.seq,
    clock.now_ms - w.first_at_ms as waited_ms,
    w.granted_credential_id is not null as reserved
  from ${schema}.waiters w
  cross join clock
  left join ${schema}.credentials c
    on c.credential_id = w.granted_credential_id and c.fencing_counter = w.granted_fence
    and c.lease_waiter_id = w.waiter_id
  where ($1::text is null or w.kind = $1::text)
    and (
      (w.granted_credential_id is null and w.deadline_ms > clock.now_ms)
      or (c.lease_token is null and c.lease_expires_at_ms > clock.now_ms)
    )
),
ranked as (
  select live.*,
    row_number() over (partition by kind order by reserved desc, priority desc, seq) as place
  from live
)
select kind, waiter_id, explicit, owner_id, actor_role, priority, waited_ms, reserved
from ranked
where place <= $2
order by kind, place`;

  return async (db: Queryable, filter: QueueListFilter): Promise<KindQueue[]> => {
    const { rows } = await db.query<QueuedRow>(text, [
      filter.kind ?? null,
      filter.limit,
      filter.nowMs ?? null,
    ]);
    const queues: KindQueue[] = [];
    for (const row of rows) {
      let queue = queues.at(-1);
      if (queue?.kind !== row.kind) {
        queue = { kind: row.kind, waiters: [] };
        queues.push(queue);
      }
      queue.waiters.push({
        waiterId: row.waiter_id,
        explicit: row.explicit,
        ownerId: row.owner_id,
        actorRole: row.actor_role,
        priority: row.priority,
        waitedMs: toNumber(row.waited_ms),
        reserved: row.reserved,
      });
    }
    return queues;
  };
}
