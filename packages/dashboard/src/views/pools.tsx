import { ActivityChart } from '../components/activity-chart.js';
import { LoadState } from '../components/load-state.js';
import type { ViewProps } from './registry.js';

type CountKey = 'free' | 'leased' | 'quarantined' | 'disabled' | 'waiting';

const COUNTS: readonly { key: CountKey; label: string }[] = [
  { key: 'free', label: 'free' },
  { key: 'leased', label: 'leased' },
  { key: 'quarantined', label: 'quarantined' },
  { key: 'disabled', label: 'disabled' },
  { key: 'waiting', label: 'waiting' },
];

/** One card per kind: its counts by state and the last hour's grants and exhausted answers. */
export function PoolsView({ stats }: ViewProps) {
  const kinds = stats.value;
  if (!kinds) return <LoadState polled={stats} what="pools" />;
  if (kinds.length === 0) {
    return (
      <p class="empty">
        No pools yet. Add a credential with <code>qa-broker credentials add</code>.
      </p>
    );
  }
  return (
    <ul class="pool-grid">
      {kinds.map((pool) => (
        <li
          key={pool.kind}
          class={`pool-card${pool.free === 0 && pool.leased + pool.waiting > 0 ? ' starving' : ''}`}
          data-kind={pool.kind}
        >
          <h3 class="pool-kind">{pool.kind}</h3>
          {pool.free === 0 && pool.leased + pool.waiting > 0 && (
            <p class="pool-warning">No free credential</p>
          )}
          <dl class="pool-counts">
            {COUNTS.map(({ key, label }) => (
              <div key={key} class={`count count-${key}`}>
                <dt>{label}</dt>
                <dd data-count={key}>{String(pool[key])}</dd>
              </div>
            ))}
          </dl>
          <ActivityChart kind={pool.kind} buckets={pool.lastHour} />
        </li>
      ))}
    </ul>
  );
}
