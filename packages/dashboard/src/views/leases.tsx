import { isLeased } from '../credential-state.js';
import { ago, clockTime, duration } from '../format.js';
import { LoadState } from '../components/load-state.js';
import { ScrollTable } from '../components/scroll-table.js';
import type { ViewProps } from './registry.js';

/**
 * Every live lease with its time left, counting down by the second; soonest to end first.
 * A quarantined credential's holder keeps its lease, so it is listed too.
 */
export function LeasesView({ credentials, now }: ViewProps) {
  const listing = credentials.value;
  if (!listing) return <LoadState polled={credentials} what="leases" />;
  const leased = listing.credentials
    .filter((credential) => credential.status === 'active' && isLeased(credential, now))
    .sort((a, b) => a.lease!.expiresAtMs - b.lease!.expiresAtMs);
  if (leased.length === 0) return <p class="empty">No credential is leased right now.</p>;
  return (
    <ScrollTable label="Live leases">
      <thead>
        <tr>
          <th scope="col">Credential</th>
          <th scope="col">Kind</th>
          <th scope="col">Holder</th>
          <th scope="col">Role</th>
          <th scope="col">Leased</th>
          <th scope="col">Last heartbeat</th>
          <th scope="col">Time left</th>
        </tr>
      </thead>
      <tbody>
        {leased.map((credential) => {
          const lease = credential.lease!;
          const left = lease.expiresAtMs - now;
          return (
            <tr key={credential.credentialId} data-credential-id={credential.credentialId}>
              <td class="mono">{credential.credentialId}</td>
              <td class="wrap">{credential.kind}</td>
              <td class="wrap">{lease.ownerId}</td>
              <td>{lease.actorRole}</td>
              <td title={clockTime(lease.acquiredAtMs)}>{ago(lease.acquiredAtMs, now)}</td>
              <td>{ago(lease.heartbeatAtMs, now)}</td>
              <td class={`time-left${left < 60_000 ? ' ending' : ''}`} data-time-left>
                {duration(left)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </ScrollTable>
  );
}
