import type { Figure } from '../measure/stats.ts';
import { renderHandoff } from './handoff-report.ts';
import type { BenchResults, CycleFigures, TargetRow } from './results.ts';

type Cell = string;

/** Right-aligned columns under a header, separated by two spaces. */
function renderTable(header: Cell[], rows: Cell[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: Cell[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const int = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');
const ms = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(n < 10 ? 2 : 1);
const times = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : `${n.toFixed(n >= 100 ? 0 : 2)}×`;

/** "median (min–max)" when several runs were made. */
function rate(figure: Figure | undefined): string {
  if (figure === undefined) return '—';
  if (figure.runs.length <= 1) return int(figure.median);
  return `${int(figure.median)} (${int(figure.min)}–${int(figure.max)})`;
}

const cellAt = (cells: CycleFigures[], c: number): CycleFigures | undefined =>
  cells.find((cell) => cell.concurrency === c);

/** One row per measured cell at the highest concurrency: where each cycle's CPU went. */
function cpuPerCycleRows(
  httpFloor: CycleFigures[],
  store: BenchResults['stores'][number],
): Cell[][] {
  const rows: Cell[][] = [];
  const top = (cells: CycleFigures[]) =>
    cells.reduce<CycleFigures | undefined>(
      (best, cell) => (best === undefined || cell.concurrency > best.concurrency ? cell : best),
      undefined,
    );
  const row = (what: string, pool: string, cell: CycleFigures | undefined) => {
    const cpu = cell?.cpuMsPerCycle;
    if (cell === undefined || cpu === undefined) return;
    const parts = [cpu.bench, cpu.broker, cpu.server].map((figure) => figure?.median);
    const total = parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
    rows.push([
      what,
      pool,
      String(cell.concurrency),
      rate(cell.cyclesPerS),
      ...parts.map((part) => (part === undefined ? '—' : part.toFixed(3))),
      total.toFixed(3),
    ]);
  };
  row('HTTP floor', '', top(httpFloor));
  row('store floor', '', store.storeFloor === undefined ? undefined : top(store.storeFloor));
  for (const pool of store.pools) {
    row('raw store', int(pool.pool), top(pool.raw));
    row('broker', int(pool.pool), top(pool.broker));
  }
  return rows;
}

export function renderReport(results: BenchResults, quick: boolean): string {
  const out: string[] = [];
  const settings = results.meta.settings as Record<string, unknown>;
  out.push(
    `qa-broker bench — ${quick ? 'QUICK smoke run (figures only, no verdicts)' : 'full run'}; ` +
      `${String(settings.runs)} run(s) per figure (median, min–max), ${String(settings.durationS)} s each after ${String(settings.warmupS)} s warm-up.`,
    'A cycle is one acquire + one release (two HTTP requests for the broker and the floor). Latencies in ms.',
    machineLine(results.meta.machine),
    '',
  );

  if (results.httpFloor.length > 0) {
    out.push('HTTP floor (Express + express.json, one trivial POST handler)');
    out.push(
      renderTable(
        ['c', 'cycles/s', 'p50', 'p99', 'p99.9'],
        results.httpFloor.map((cell) => [
          String(cell.concurrency),
          rate(cell.cyclesPerS),
          ms(cell.cycleP50Ms.median),
          ms(cell.cycleP99Ms.median),
          ms(cell.cycleP999Ms.median),
        ]),
      ),
      '',
    );
  }

  for (const store of results.stores) {
    out.push(`== ${store.store}${store.error === undefined ? '' : `  (FAILED: ${store.error})`}`);
    if (store.storeFloor !== undefined)
      out.push(
        `Store floor (the HTTP floor + one ${store.store === 'redis' ? 'EVALSHA of a trivial script' : 'durable single-row UPDATE, prepared'} per request)`,
        renderTable(
          ['c', 'cycles/s', 'p50', 'p99', 'p99.9'],
          store.storeFloor.map((cell) => [
            String(cell.concurrency),
            rate(cell.cyclesPerS),
            ms(cell.cycleP50Ms.median),
            ms(cell.cycleP99Ms.median),
            ms(cell.cycleP999Ms.median),
          ]),
        ),
        '',
      );
    const cycleRows: Cell[][] = [];
    for (const pool of store.pools)
      for (const cell of pool.broker) {
        const raw = cellAt(pool.raw, cell.concurrency);
        const floor = cellAt(results.httpFloor, cell.concurrency);
        const storeFloor =
          store.storeFloor === undefined ? undefined : cellAt(store.storeFloor, cell.concurrency);
        cycleRows.push([
          int(pool.pool),
          String(cell.concurrency),
          rate(cell.cyclesPerS),
          int(cell.exhaustedPerS.median),
          ms(cell.cycleP99Ms.median),
          rate(raw?.cyclesPerS),
          times(raw === undefined ? null : cell.cyclesPerS.median / raw.cyclesPerS.median),
          times(floor === undefined ? null : cell.cyclesPerS.median / floor.cyclesPerS.median),
          times(
            storeFloor === undefined ? null : cell.cyclesPerS.median / storeFloor.cyclesPerS.median,
          ),
          cell.errors + (raw?.errors ?? 0) > 0 ? String(cell.errors + (raw?.errors ?? 0)) : '',
        ]);
      }
    if (cycleRows.length > 0)
      out.push(
        renderTable(
          [
            'pool',
            'c',
            'broker cycles/s',
            'exhausted/s',
            'p99',
            'raw store cycles/s',
            'broker÷raw',
            'broker÷floor',
            'broker÷store floor',
            'errors',
          ],
          cycleRows,
        ),
        '',
      );

    const cpuRows = cpuPerCycleRows(results.httpFloor, store);
    if (cpuRows.length > 0)
      out.push(
        'CPU per cycle (ms of CPU time in the measured window ÷ cycles, medians; from /proc): ' +
          'bench = the load generator (and the adapter, for the raw store), broker = the HTTP ' +
          'child, server = every process of the store server on this machine',
        renderTable(
          ['what', 'pool', 'c', 'cycles/s', 'bench', 'broker', 'server', 'total'],
          cpuRows,
        ),
        '',
      );

    for (const pool of store.pools) {
      const stats = pool.pgCycleStats;
      if (stats === undefined) continue;
      const one = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
      out.push(
        `PostgreSQL work per cycle (pool ${int(pool.pool)}, c=${stats.concurrency}, ${int(stats.cycles)} cycles through the adapter; ` +
          `pg_stat_wal${stats.sharedServer ? ' of the whole shared server, others included' : ''}, pg_stat_statements)`,
        renderTable(
          ['WAL records', 'full-page images', 'WAL bytes', 'WAL writes', 'WAL syncs'],
          [
            [
              one(stats.walRecords),
              one(stats.walFullPageImages),
              int(stats.walBytes),
              one(stats.walWrites),
              one(stats.walSyncs),
            ],
          ],
        ),
      );
      if (stats.statements === null)
        out.push('  (pg_stat_statements not loaded on this server: run with --postgres-private)');
      else
        out.push(
          renderTable(
            [
              'statement',
              'calls',
              'plan ms',
              'exec ms',
              'WAL records',
              'WAL bytes',
              'blocks dirtied',
            ],
            stats.statements.map((row) => [
              row.label,
              one(row.callsPerCycle),
              row.planMsPerCycle.toFixed(3),
              row.execMsPerCycle.toFixed(3),
              one(row.walRecordsPerCycle),
              int(row.walBytesPerCycle),
              one(row.blocksDirtiedPerCycle),
            ]),
          ),
        );
      out.push('');
    }

    const firstRows = store.pools
      .filter((pool) => pool.firstBroker !== undefined)
      .map((pool) => {
        const first = pool.firstBroker!;
        const raw = cellAt(pool.raw, first.concurrency);
        return [
          int(pool.pool),
          String(first.concurrency),
          rate(first.cyclesPerS),
          ms(first.cycleP50Ms.median),
          rate(raw?.cyclesPerS),
          times(
            raw === undefined || first.cyclesPerS.median === 0
              ? null
              : raw.cyclesPerS.median / first.cyclesPerS.median,
          ),
        ];
      });
    if (firstRows.length > 0)
      out.push(
        'First-broker selection (read all rows, sort in app, lease) vs ours, raw store',
        renderTable(
          ['pool', 'c', 'first-broker cycles/s', 'its p50', 'ours cycles/s', 'ours÷first'],
          firstRows,
        ),
        '',
      );

    for (const pool of store.pools) {
      const contention = pool.contention;
      if (contention === undefined) continue;
      out.push(
        `Contention: ${contention.clients} clients on ${contention.credentials} credentials (broker)`,
        renderTable(
          ['grants/s', 'exhausted/s', 'min grants', 'max grants', 'CV', 'Jain'],
          [
            [
              rate(contention.cyclesPerS),
              rate(contention.exhaustedPerS),
              int(contention.minGrants.median),
              int(contention.maxGrants.median),
              contention.coefficientOfVariation.median.toFixed(3),
              contention.jainIndex.median.toFixed(3),
            ],
          ],
        ),
        '',
      );
    }

    for (const pool of store.pools) {
      const hb = pool.heartbeat;
      if (hb === undefined) continue;
      out.push(
        `Open loop on pool ${int(pool.pool)}: ${hb.heldLeases} held leases heartbeated at ${hb.heartbeatRatePerS}/s while cycles run at ${int(hb.cycleRatePerS)}/s (half max)`,
        renderTable(
          ['latency from scheduled send', 'p50', 'p99', 'p99.9', 'samples'],
          [
            [
              'acquire',
              ms(hb.acquire.p50Ms.median),
              ms(hb.acquire.p99Ms.median),
              ms(hb.acquire.p999Ms.median),
              int(hb.acquire.count.median),
            ],
            [
              'heartbeat',
              ms(hb.heartbeat.p50Ms.median),
              ms(hb.heartbeat.p99Ms.median),
              ms(hb.heartbeat.p999Ms.median),
              int(hb.heartbeat.count.median),
            ],
          ],
        ),
      );
      const problems = [
        hb.exhausted > 0 ? `${hb.exhausted} exhausted` : '',
        hb.failed > 0 ? `${hb.failed} failed (${hb.firstError ?? ''})` : '',
        hb.notSent > 0 ? `${hb.notSent} never sent` : '',
        hb.unanswered > 0 ? `${hb.unanswered} unanswered` : '',
      ].filter((text) => text !== '');
      if (problems.length > 0) out.push(`  note: ${problems.join(', ')}`);
      const worst = (delays: ({ p99Ms: number; maxMs: number } | null)[]): string => {
        const known = delays.filter((delay) => delay !== null);
        if (known.length === 0) return '—';
        return `p99 ${ms(Math.max(...known.map((d) => d.p99Ms)))}, max ${ms(Math.max(...known.map((d) => d.maxMs)))}`;
      };
      out.push(
        `  event-loop delay (worst run): broker ${worst(hb.brokerLoopDelay)}; load generator ${worst(hb.generatorLoopDelay)}`,
      );
      out.push('');
    }

    if (store.handoff !== undefined) out.push(...renderHandoff(store.handoff));

    const mb = (bytes: number | undefined): string =>
      bytes === undefined ? '—' : (bytes / 1024 / 1024).toFixed(1);
    const memoryRows = store.pools.map((pool) => [
      int(pool.pool),
      `${int(pool.populate.perS)}/s ${pool.populate.method}`,
      mb(pool.brokerIdleMemory?.rssBytes),
      mb(pool.brokerMemory?.peakRssBytes),
      mb(pool.brokerMemory?.heapUsedBytes),
      mb(pool.brokerMemory?.heapTotalBytes),
      mb(pool.brokerMemory?.externalBytes),
      pool.redisMemory === undefined ? '' : int(pool.redisMemory.bytesPerCredential),
      pool.redisMemory === undefined ? '' : int(pool.redisMemory.bytesPerCredentialWithEvents),
    ]);
    if (memoryRows.length > 0)
      out.push(
        renderTable(
          [
            'pool',
            'populate',
            'broker idle RSS MB',
            'broker peak RSS MB',
            'heap used MB',
            'heap total MB',
            'external MB',
            'redis B/cred',
            'B/cred incl. events',
          ],
          memoryRows,
        ),
        '',
      );
  }

  const scaling = results.ratios.filter((row) => row.name.startsWith('pool '));
  const firstBroker = results.ratios.filter((row) => row.name.startsWith('ours'));
  if (scaling.length + firstBroker.length > 0) {
    out.push('Ratios (medians)');
    out.push(
      renderTable(
        ['store', 'ratio', 'pool', 'c', 'value'],
        [...scaling, ...firstBroker].map((row) => [
          row.store,
          row.name,
          row.pool === null ? '' : int(row.pool),
          row.concurrency === null ? '' : String(row.concurrency),
          times(row.value),
        ]),
      ),
      '',
    );
  }

  out.push(quick ? 'Targets (quick run: figures only, no verdicts)' : 'Targets');
  out.push(
    renderTable(
      ['store', 'target', 'measured', 'wanted', ...(quick ? [] : ['verdict'])],
      results.targets.map((row) => targetRow(row, quick)),
    ),
  );
  return `${out.join('\n')}\n`;
}

function targetRow(row: TargetRow, quick: boolean): Cell[] {
  const value =
    row.value === null
      ? '—'
      : row.unit === '×'
        ? times(row.value)
        : row.unit === 'ms'
          ? `${ms(row.value)} ms`
          : `${int(row.value)} ${row.unit}`;
  const wanted = `${row.comparison === '>=' ? '≥' : '≤'} ${row.unit === '×' ? `${row.threshold}×` : `${row.threshold.toLocaleString('en-US')} ${row.unit}`}`;
  return [
    row.store,
    row.name,
    value,
    wanted,
    ...(quick ? [] : [row.verdict === 'not met' ? 'NOT MET' : (row.verdict ?? '')]),
  ];
}

function machineLine(machine: unknown): string {
  const m = (machine ?? {}) as {
    cpus?: number;
    loadAverageAtStart?: number[];
    loadAverageAtEnd?: number[];
  };
  const load = (values: number[] | undefined): string =>
    values === undefined ? '?' : values.map((v) => v.toFixed(1)).join('/');
  return `Machine: ${m.cpus ?? '?'} CPUs; load average (1/5/15 min) ${load(m.loadAverageAtStart)} at start, ${load(m.loadAverageAtEnd)} at end — other work on the machine skews every figure.`;
}
