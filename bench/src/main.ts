import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { HELP, UsageError, parseBenchArgs } from './cli/options.ts';
import type { BenchOptions } from './cli/options.ts';
import { progress } from './progress.ts';
import { computeRatios } from './report/ratios.ts';
import type { BenchResults, StoreResults } from './report/results.ts';
import { renderReport } from './report/table.ts';
import { evaluateTargets } from './report/targets.ts';
import { collectVersions } from './report/versions.ts';
import { benchStore } from './scenarios/bench-store.ts';
import { benchHttpFloor } from './scenarios/http-floor.ts';
import { enablePgStatStatements } from './stores/pg-stats.ts';
import { PrivatePostgres } from './stores/private-postgres.ts';

/** Exit codes: 0 the bench ran (whatever the verdicts), 1 crash or a store failed, 2 usage. */
async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseBenchArgs(argv, process.env);
    if (parsed.help) {
      process.stdout.write(HELP);
      return 0;
    }
    options = parsed.options;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw error;
  }

  const startedAt = new Date();
  const loadAtStart = loadavg();
  progress(
    `stores ${options.stores.join(',')}; scenarios ${options.scenarios.join(',')}; pools ${options.pools.join(',')}; ` +
      `concurrency ${options.concurrency.join(',')}; ${options.runs} run(s) of ${options.durationMs / 1000} s${options.quick ? ' (quick)' : ''}`,
  );
  // A private cluster replaces the shared server for this run (pg_stat_statements needs a
  // preload the shared server does not have).
  const privatePostgres =
    options.postgresPrivate && options.stores.includes('postgres')
      ? await PrivatePostgres.start()
      : undefined;
  try {
    if (privatePostgres !== undefined) {
      options = { ...options, postgresUrl: privatePostgres.url };
      progress(`postgres: private cluster on port ${privatePostgres.port}`);
    }
    if (
      options.stores.includes('postgres') &&
      !(await enablePgStatStatements(options.postgresUrl, privatePostgres !== undefined))
    )
      progress(
        'postgres: pg_stat_statements is not loaded: per-statement figures need --postgres-private',
      );
    return await runBench(options, startedAt, loadAtStart);
  } finally {
    await privatePostgres?.stop();
  }
}

async function runBench(
  options: BenchOptions,
  startedAt: Date,
  loadAtStart: number[],
): Promise<number> {
  const versions = await collectVersions(options);
  const httpFloor = options.scenarios.includes('cycles') ? await benchHttpFloor(options) : [];
  const stores: StoreResults[] = [];
  for (const kind of options.stores) stores.push(await benchStore(kind, options));

  const ratios = computeRatios(stores, httpFloor);
  const results: BenchResults = {
    meta: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      quick: options.quick,
      settings: {
        stores: options.stores,
        scenarios: options.scenarios,
        durationS: options.durationMs / 1000,
        warmupS: options.warmupMs / 1000,
        concurrency: options.concurrency,
        pools: options.pools,
        runs: options.runs,
        heartbeatRatePerS: options.heartbeatRatePerS,
        brokerLog: options.brokerLogPath,
        brokerLogLevel: 'info',
        brokerNodeFlags: options.brokerNodeFlags,
        preparedStatements: options.preparedStatements,
        postgresPrivate: options.postgresPrivate,
      },
      versions,
      machine: {
        // Other work on the machine skews every figure: the load averages say how much.
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg(),
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? null,
        totalMemoryBytes: totalmem(),
        platform: process.platform,
        arch: process.arch,
      },
    },
    httpFloor,
    stores,
    ratios,
    targets: evaluateTargets(stores, ratios, options.quick),
  };
  await mkdir(dirname(options.jsonPath), { recursive: true });
  await writeFile(options.jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderReport(results, options.quick));
  progress(`results written to ${options.jsonPath}`);
  return stores.some((store) => store.error !== undefined) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
