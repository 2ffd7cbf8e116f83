import type { Figure } from '../measure/stats.ts';
import type { StoreKind } from '../stores/targets.ts';
import type { HandoffModeFigures, HandoffResults } from './handoff-figures.ts';
import type { TargetRow } from './results.ts';
import { verdictOf } from './targets.ts';

/** The hand-off targets, judged on the queue mode. */
const MAX_HANDOFF_P99_MS: Partial<Record<StoreKind, number>> = { redis: 5, postgres: 15 };
const MAX_MAKESPAN_OVER_IDEAL = 1.05;
const MAX_GRANT_DEVIATION = 0.1;

const fixed = (figure: Figure, digits: number, scale = 1): string => {
  if (!Number.isFinite(figure.median)) return '—';
  const text = (figure.median * scale).toFixed(digits);
  return figure.runs.length <= 1
    ? text
    : `${text} (${(figure.min * scale).toFixed(digits)}–${(figure.max * scale).toFixed(digits)})`;
};

/** The hand-off section of one store's report: both modes side by side, one row each. */
export function renderHandoff(handoff: HandoffResults): string[] {
  const lines = [
    `Hand-off: ${handoff.clients} clients × ${handoff.holdsPerClient} holds (${handoff.holdMs.min}–${handoff.holdMs.max} ms, seed ${handoff.seed}) on ${handoff.credentials} credentials; ` +
      'hand-off = release answer → next grant answer of that credential (generator clock)',
  ];
  if (handoff.error !== undefined) return [...lines, `  FAILED: ${handoff.error}`, ''];
  const header = [
    'mode',
    'hand-off p50',
    'p99',
    'max',
    'idle %',
    'makespan s',
    '÷ ideal',
    'grants ±% (first 80 %)',
    'Jain',
    'min–max grants',
  ];
  const row = (figures: HandoffModeFigures): string[] => [
    figures.mode === 'queue' ? 'queue (wait)' : 'v1 polling',
    fixed(figures.handoffP50Ms, 2),
    fixed(figures.handoffP99Ms, 2),
    fixed(figures.handoffMaxMs, 1),
    fixed(figures.idleFraction, 1, 100),
    fixed(figures.makespanMs, 2, 1 / 1000),
    fixed(figures.makespanOverIdeal, 3),
    fixed(figures.maxDeviationFromMean, 1, 100),
    fixed(figures.jainIndex, 3),
    `${figures.minGrants.median}–${figures.maxGrants.median}`,
  ];
  const rows = handoff.modes.map(row);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ');
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  const ideal = handoff.modes[0]?.idealMakespanMs;
  if (ideal !== undefined)
    lines.push(
      `  ideal makespan (Σ holds ÷ ${handoff.credentials}): ${(ideal / 1000).toFixed(2)} s`,
    );
  for (const figures of handoff.modes)
    lines.push(
      `  ${figures.mode}: each lease held ${fixed(figures.holdTimerLateMs, 1)} ms beyond its drawn hold (hold timer late, generator) ` +
        `+ ${fixed(figures.releaseRoundTripMs, 1)} ms (release round trip): the ideal has neither`,
    );
  if (handoff.note !== undefined) lines.push(`  note: ${handoff.note}`);
  lines.push('');
  return lines;
}

/** Target rows for the queue mode; verdicts only outside --quick (the quick run is smaller). */
export function handoffTargets(
  store: StoreKind,
  handoff: HandoffResults | undefined,
  quick: boolean,
): TargetRow[] {
  const queue = handoff?.modes.find((mode) => mode.mode === 'queue');
  // A store without the queue answered as v1: its "queue" figures are not the queue's.
  const measured = (value: number | undefined): number | null =>
    queue === undefined || queue.ticketedGrants === 0 || value === undefined ? null : value;
  const rows: TargetRow[] = [];
  const add = (name: string, value: number | null, unit: string, threshold: number): void => {
    const row: TargetRow = { store, name, value, unit, comparison: '<=', threshold };
    if (!quick) row.verdict = verdictOf(value, '<=', threshold);
    rows.push(row);
  };
  const p99Limit = MAX_HANDOFF_P99_MS[store];
  if (p99Limit !== undefined)
    add(
      'hand-off p99 (queue, 64 clients on 10)',
      measured(queue?.handoffP99Ms.median),
      'ms',
      p99Limit,
    );
  add(
    'makespan ÷ ideal (queue)',
    measured(queue?.makespanOverIdeal.median),
    '×',
    MAX_MAKESPAN_OVER_IDEAL,
  );
  add(
    'grants per client, max deviation from mean (queue, first 80 %)',
    measured(
      queue?.maxDeviationFromMean.median === undefined
        ? undefined
        : 100 * queue.maxDeviationFromMean.median,
    ),
    '%',
    100 * MAX_GRANT_DEVIATION,
  );
  return rows;
}
