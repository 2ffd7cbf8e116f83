import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BROKER_NODE_FLAGS } from '@qa-broker/server';
import { STORE_KINDS } from '../stores/targets.ts';
import type { StoreKind } from '../stores/targets.ts';

export const SCENARIOS = ['cycles', 'contention', 'heartbeat', 'handoff'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  stores: StoreKind[];
  scenarios: Scenario[];
  durationMs: number;
  warmupMs: number;
  concurrency: number[];
  pools: number[];
  runs: number;
  quick: boolean;
  jsonPath: string;
  heartbeatRatePerS: number;
  postgresUrl: string;
  redisUrl: string;
  brokerLogPath: string;
  /** When set, broker children run with --cpu-prof into this directory (profiling only). */
  brokerCpuProfDir?: string;
  /** Extra Node flags for broker children (experiments such as heap sizing). */
  brokerNodeFlags: string[];
  /** PostgreSQL/PGlite: named prepared statements (the adapter's default: on). */
  preparedStatements: boolean;
  /** Bench PostgreSQL on a private cluster with pg_stat_statements (postgresUrl is replaced). */
  postgresPrivate: boolean;
}

/** bench/results/latest.json, wherever the bench is started from. */
const DEFAULT_JSON_PATH = fileURLToPath(new URL('../../results/latest.json', import.meta.url));

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

export const HELP = `Usage: pnpm bench [options]   (from the repo root; builds first)
       pnpm --filter @qa-broker/bench bench -- [options]

Benchmarks the broker (a child process: createBrokerApp over the store, auth, validation
and pino logging on) against the raw store, an Express HTTP floor and the first broker's
read-all-and-sort selection. Prints a table on stdout, progress on stderr, and writes
every figure to a JSON file.

Options:
  --store pglite|postgres|redis|redis-cluster|redis-cluster-wait1|pgbouncer-1.18|pgbouncer-1.24|all
                                      stores to bench (comma list allowed; default all).
                                      redis-cluster*: the local 3+3 cluster (scripts/redis-cluster.sh),
                                      -wait1 waits for a replica after each change; pgbouncer-*:
                                      PostgreSQL through PgBouncer in transaction mode
                                      (scripts/pgbouncer.sh); each started when missing
  --scenario cycles|contention|heartbeat|handoff|all
                                      scenarios to run (comma list allowed; default all);
                                      handoff: 64 clients × 30 holds on 10 credentials,
                                      the wait queue vs v1 polling (--quick: 16 × 10)
  --duration S          measured seconds per run (default 5; --quick 0.5)
  --warmup S            unmeasured seconds before each run (default 1; --quick 0.2)
  --concurrency LIST    closed-loop clients (default 1,16,64)
  --pools LIST          credentials per pool (default 10,1000,100000; --quick 10,1000)
  --runs N              runs per figure; the median is reported (default 3; --quick 1)
  --heartbeat-rate R    heartbeats per second over the held leases (default 100)
  --quick               short smoke run: prints figures, no met/not-met verdicts
  --json PATH           results file (default bench/results/latest.json)
  --broker-log PATH     where the broker child's pino logs go (default /dev/null)
  --broker-cpu-prof DIR run each broker child under --cpu-prof, profiles into DIR
                        (for finding where time goes; it slows the broker down)
  --broker-node-flags="F…" Node flags for broker children (default: the ones the
                        qa-broker-server bin applies to itself, ${BROKER_NODE_FLAGS.join(' ')};
                        "none" for V8's defaults; recorded in the JSON)
  --prepared-statements on|off
                        PostgreSQL/PGlite: run the hot statements as named prepared
                        statements (default on, as qa-broker-server serve does)
  --postgres-private    bench PostgreSQL on a private cluster started for the run
                        (initdb in a temp dir, a free loopback port, fsync and
                        synchronous_commit on, pg_stat_statements loaded), so the
                        per-cycle WAL and statement figures are ours alone
  --postgres-url URL    default $QA_BROKER_TEST_POSTGRES_URL or
                        postgres://postgres@127.0.0.1:5432/postgres
  --redis-url URL       default $QA_BROKER_TEST_REDIS_URL or redis://127.0.0.1:6379
  --help                this text

Exit code: 0 when the bench ran (missed targets included), 1 on a crash, 2 on bad usage.
`;

/** Absent: what the bin applies to itself; "none": V8's defaults. */
function nodeFlags(value: string | undefined): string[] {
  if (value === undefined) return [...BROKER_NODE_FLAGS];
  if (value.trim() === 'none') return [];
  return value.split(' ').filter((flag) => flag !== '');
}

function onOff(value: string, flag: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`${flag} must be on or off.`);
}

function list<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.includes('all')) return [...allowed];
  for (const part of parts)
    if (!(allowed as readonly string[]).includes(part))
      throw new UsageError(`${flag} must be one of ${allowed.join(', ')} or all (got "${part}").`);
  return [...new Set(parts)] as T[];
}

function positiveIntegers(value: string, flag: string): number[] {
  const numbers = value.split(',').map((part) => Number(part.trim().replaceAll('_', '')));
  for (const n of numbers)
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${flag} takes positive integers (got "${value}").`);
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function nonNegativeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`${flag} takes a number ≥ 0 (got "${value}").`);
  return n;
}

function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} takes a positive number (got "${value}").`);
  return n;
}

/** Service URLs must point at this machine: the bench never loads anything remote. */
function loopbackUrl(value: string, flag: string): string {
  let host: string;
  try {
    host = new URL(value).hostname;
  } catch {
    throw new UsageError(`${flag} is not a URL.`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host))
    throw new UsageError(`${flag} must point at 127.0.0.1 (the bench only loads this machine).`);
  return value;
}

export type ParsedArgs = { help: true } | { help: false; options: BenchOptions };

export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: {
        store: { type: 'string', default: 'all' },
        scenario: { type: 'string', default: 'all' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        concurrency: { type: 'string', default: '1,16,64' },
        pools: { type: 'string' },
        runs: { type: 'string' },
        'heartbeat-rate': { type: 'string', default: '100' },
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        'broker-log': { type: 'string', default: '/dev/null' },
        'broker-cpu-prof': { type: 'string' },
        'broker-node-flags': { type: 'string' },
        'prepared-statements': { type: 'string', default: 'on' },
        'postgres-private': { type: 'boolean', default: false },
        'postgres-url': { type: 'string' },
        'redis-url': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : 'bad arguments');
  }
  if (values.help) return { help: true };
  const quick = values.quick;
  const runs =
    values.runs === undefined ? (quick ? 1 : 3) : positiveIntegers(values.runs, '--runs')[0]!;
  return {
    help: false,
    options: {
      stores: list(values.store, STORE_KINDS, '--store'),
      scenarios: list(values.scenario, SCENARIOS, '--scenario'),
      durationMs:
        1000 *
        (values.duration === undefined
          ? quick
            ? 0.5
            : 5
          : positiveNumber(values.duration, '--duration')),
      warmupMs:
        1000 *
        (values.warmup === undefined
          ? quick
            ? 0.2
            : 1
          : nonNegativeNumber(values.warmup, '--warmup')),
      concurrency: positiveIntegers(values.concurrency, '--concurrency'),
      pools: positiveIntegers(values.pools ?? (quick ? '10,1000' : '10,1000,100000'), '--pools'),
      runs,
      quick,
      jsonPath: resolve(env.INIT_CWD ?? process.cwd(), values.json ?? DEFAULT_JSON_PATH),
      heartbeatRatePerS: positiveNumber(values['heartbeat-rate'], '--heartbeat-rate'),
      postgresUrl: loopbackUrl(
        values['postgres-url'] ??
          env.QA_BROKER_TEST_POSTGRES_URL ??
          'postgres://postgres@127.0.0.1:5432/postgres',
        '--postgres-url',
      ),
      redisUrl: loopbackUrl(
        values['redis-url'] ?? env.QA_BROKER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        '--redis-url',
      ),
      brokerLogPath: values['broker-log'],
      brokerNodeFlags: nodeFlags(values['broker-node-flags']),
      preparedStatements: onOff(values['prepared-statements'], '--prepared-statements'),
      postgresPrivate: values['postgres-private'],
      ...(values['broker-cpu-prof'] === undefined
        ? {}
        : { brokerCpuProfDir: resolve(env.INIT_CWD ?? process.cwd(), values['broker-cpu-prof']) }),
    },
  };
}
