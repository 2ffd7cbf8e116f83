import type { StatsBucket } from '@qa-broker/contract';

const WIDTH = 240;
const HEIGHT = 48;

/**
 * The last hour of one kind as 60 stacked bars: grants (green) under exhausted answers
 * (red), scaled to the busiest minute. One image with a text summary for screen readers.
 */
export function ActivityChart({ kind, buckets }: { kind: string; buckets: StatsBucket[] }) {
  const grants = buckets.reduce((sum, bucket) => sum + bucket.grants, 0);
  const exhausted = buckets.reduce((sum, bucket) => sum + bucket.exhausted, 0);
  const peak = Math.max(1, ...buckets.map((bucket) => bucket.grants + bucket.exhausted));
  const barWidth = WIDTH / Math.max(1, buckets.length);
  const label = `${kind}, last hour: ${grants} granted, ${exhausted} exhausted`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={label}
        preserveAspectRatio="none"
      >
        <line class="chart-axis" x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} />
        {buckets.map((bucket, index) => {
          const grantHeight = (bucket.grants / peak) * (HEIGHT - 2);
          const exhaustedHeight = (bucket.exhausted / peak) * (HEIGHT - 2);
          const x = index * barWidth + 0.5;
          const w = Math.max(1, barWidth - 1);
          return (
            <g key={bucket.atMs}>
              {bucket.grants > 0 && (
                <rect
                  class="bar-grants"
                  x={x}
                  y={HEIGHT - 1 - grantHeight}
                  width={w}
                  height={grantHeight}
                />
              )}
              {bucket.exhausted > 0 && (
                <rect
                  class="bar-exhausted"
                  x={x}
                  y={HEIGHT - 1 - grantHeight - exhaustedHeight}
                  width={w}
                  height={exhaustedHeight}
                />
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        Last hour: <span class="legend legend-grants">{grants} granted</span>,{' '}
        <span class="legend legend-exhausted">{exhausted} exhausted</span>
      </figcaption>
    </figure>
  );
}
