import { expectOk } from '../api.js';
import { LoadState } from '../components/load-state.js';
import { ScrollTable } from '../components/scroll-table.js';
import { duration } from '../format.js';
import { usePoll } from '../poll.js';
import type { ViewProps } from './registry.js';

/**
 * admin/queue: each kind's waiters in queue order. Tickets are bearer-like (whoever holds
 * one takes the waiter's place), so the broker gives only their fingerprints and so does
 * this view.
 */
export function QueuesView({ api, stats, now }: ViewProps) {
  const queues = usePoll(async () => (await expectOk(api.client.queue({ body: {} }))).queues, []);
  if (!queues.value) return <LoadState polled={queues} what="queues" />;
  const waiting = queues.value.filter((queue) => queue.waiters.length > 0);
  if (waiting.length === 0) return <p class="empty">Nobody is waiting for a credential.</p>;
  // waitedMs is the broker's figure at the answer; the page clock carries it on between polls.
  const sinceAnswer = Math.max(0, now - (queues.updatedAtMs ?? now));
  return (
    <>
      {waiting.map(({ kind, waiters }) => {
        const total = stats.value?.find((pool) => pool.kind === kind)?.waiting;
        return (
          <section key={kind} class="queue" data-kind={kind} aria-label={`Queue of ${kind}`}>
            <h3 class="queue-kind">
              <span>{kind}</span>{' '}
              <span class="muted">
                {total !== undefined && total > waiters.length
                  ? `(first ${waiters.length} of ${total} waiting)`
                  : `(${waiters.length} waiting)`}
              </span>
            </h3>
            <ScrollTable label={`Waiters for ${kind}`}>
              <thead>
                <tr>
                  <th scope="col">Position</th>
                  <th scope="col">Ticket fingerprint</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Role</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Waited</th>
                  <th scope="col">Mode</th>
                </tr>
              </thead>
              <tbody>
                {waiters.map((waiter) => (
                  <tr key={waiter.ticketFingerprint} data-fingerprint={waiter.ticketFingerprint}>
                    <td>{waiter.position}</td>
                    <td class="mono">{waiter.ticketFingerprint}</td>
                    <td class="wrap">{waiter.ownerId}</td>
                    <td>{waiter.actorRole}</td>
                    <td>{waiter.priority}</td>
                    <td data-waited>{duration(waiter.waitedMs + sinceAnswer)}</td>
                    <td>{waiter.mode}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          </section>
        );
      })}
    </>
  );
}
