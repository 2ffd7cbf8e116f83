import { parseArgs } from 'node:util';
import type { RunReport } from './run.ts';
import { runFaults } from './run.ts';
import type { StoreType } from './store-events.ts';
import { HEALTH_KINDS } from './health-actor.ts';
import { formatHealthSummary, summarizeHealth } from './health-summary.ts';
import { formatSummary } from './summary.ts';

const HELP = `Usage: node faults/src/main.ts [--long] [--store redis|postgres|redis-cluster|all] [--seed N] [--duration S] [--keep-logs]

Starts a private store and three broker processes, runs clients against them while
killing, pausing and clock-skewing brokers and restarting, cutting off and slowing the
store, then checks the recorded history. Exit code 0 only when no violation was found.
Build first (pnpm build): brokers run from packages/server/dist.

  --long        minutes of randomized faults (default: one short pass, about 30 s per store)
  --store S     redis, postgres, redis-cluster or all (default all: redis and postgres)
                redis-cluster: a private 3+3 cluster; broker faults, then a graceful
                failover, a killed primary, and a primary lost while its replica lags
                (always the short plan)
  --wait-replicas N  redis-cluster: replicas each state change waits for (default 1;
                0 shows what a lagging replica loses)
  --replica-lag-ms N redis-cluster: how far the replica lags when its primary is lost (default 500)
  --seed N      replay the timing choices of an earlier run
  --duration S  load duration of a long run in seconds (default 180)
  --keep-logs   keep the broker logs even when the run is clean
  --store-delay-ms N  delay of the short run's slow-store fault (default 150); above the
                stores' timeouts it checks that a late store grants nothing after a 503
`;

function printViolations(report: RunReport): void {
  for (const violation of report.result.violations.slice(0, 30)) {
    const where = violation.credentialId ? ` ${violation.credentialId}` : '';
    console.log(
      `  VIOLATION ${violation.rule}${where}: ${violation.message} (ops ${violation.opIds.join(', ')})`,
    );
  }
  if (report.result.violations.length > 30)
    console.log(`  … ${report.result.violations.length - 30} more`);
  console.log(`  broker logs kept in ${report.logDir}`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      long: { type: 'boolean', default: false },
      store: { type: 'string', default: 'all' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
      'store-delay-ms': { type: 'string' },
      'wait-replicas': { type: 'string' },
      'replica-lag-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const stores: StoreType[] =
    values.store === 'all' ? ['redis', 'postgres'] : [values.store as StoreType];
  if (!stores.every((store) => ['redis', 'postgres', 'redis-cluster'].includes(store))) {
    process.stderr.write(`--store must be redis, postgres, redis-cluster or all.\n${HELP}`);
    return 2;
  }
  const seed =
    values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const durationMs = values.duration !== undefined ? Number(values.duration) * 1_000 : undefined;
  let violations = 0;
  for (const store of stores) {
    const report = await runFaults({
      store,
      long: values.long,
      seed,
      ...(durationMs !== undefined ? { durationMs } : {}),
      keepLogs: values['keep-logs'],
      ...(values['store-delay-ms'] !== undefined
        ? { slowStoreDelayMs: Number(values['store-delay-ms']) }
        : {}),
      ...(values['wait-replicas'] !== undefined
        ? { waitReplicas: Number(values['wait-replicas']) }
        : {}),
      ...(values['replica-lag-ms'] !== undefined
        ? { replicaLagMs: Number(values['replica-lag-ms']) }
        : {}),
      log: (line) => console.log(line),
    });
    console.log(formatSummary(store, seed, report.summary));
    console.log(formatHealthSummary(summarizeHealth(report.history, HEALTH_KINDS)));
    if (report.result.violations.length > 0) printViolations(report);
    violations += report.result.violations.length;
  }
  console.log(violations === 0 ? 'faults: no violations' : `faults: ${violations} violations`);
  return violations === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
