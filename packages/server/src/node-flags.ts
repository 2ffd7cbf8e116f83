/**
 * The V8 settings the broker runs with, applied by the bin itself (`process.execve`, so
 * the process keeps its PID: a supervisor's or the fault harness's SIGKILL and SIGSTOP
 * reach the broker, which a child process would survive).
 *
 * `--max-semi-space-size=8` (MiB): under load V8 grows each young-generation semi-space
 * up to 16 MiB by default on 64-bit, and keeps it; the broker's garbage is short-lived
 * request objects, which 8 MiB holds as well for tens of MB less resident memory.
 *
 * `--liftoff-only`: WebAssembly runs on V8's baseline compiler only. The one large
 * WebAssembly module in the broker is embedded PGlite (PostgreSQL compiled to wasm);
 * when its hot functions tier up, TurboFan's compilation took ~500 MB for a few seconds
 * (peak RSS 774 MB vs 209 MB, PGlite acquire → release at 64 in flight, at the same
 * throughput: see bench/README.md). Redis and PostgreSQL brokers run no hot wasm.
 *
 * `--heap-growing-percent=100`: after each full collection V8 lets the old generation
 * grow to 2× what survived, instead of up to 4× on a machine with this much memory. The
 * broker keeps little alive (25–35 MB of heap): at 64 clients peak RSS went 201–224 →
 * 153–166 MB. 1.5× (50) saved a few MB more but its extra full collections cost up to
 * a fifth of the throughput in alternating A/B runs; at 2× the cost stayed within the
 * noise (bench/README.md). It caps nothing: a request that needs more heap still gets it.
 */
export const BROKER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=8',
  '--liftoff-only',
  '--heap-growing-percent=100',
];

/** Set in the re-executed process, so it never executes itself again. */
export const NODE_FLAGS_APPLIED_ENV = 'QA_BROKER_NODE_FLAGS_APPLIED';

export interface ProcessView {
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

function flagName(flag: string): string {
  return flag.split('=')[0]!.replaceAll('_', '-');
}

/**
 * The argv and env to re-execute with, or undefined when nothing is to be done: the
 * flags are applied already (marker set), or the operator chose a value for each of them
 * (in NODE_OPTIONS or on node's command line), which always wins over ours.
 */
export function reexecPlan(
  proc: ProcessView,
  flags: readonly string[] = BROKER_NODE_FLAGS,
): { args: string[]; env: Record<string, string> } | undefined {
  if (proc.env[NODE_FLAGS_APPLIED_ENV] !== undefined) return undefined;
  const chosen = new Set(
    [...proc.execArgv, ...(proc.env.NODE_OPTIONS ?? '').split(/\s+/)]
      .filter((flag) => flag.startsWith('--'))
      .map(flagName),
  );
  const missing = flags.filter((flag) => !chosen.has(flagName(flag)));
  if (missing.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(proc.env)) if (value !== undefined) env[name] = value;
  env[NODE_FLAGS_APPLIED_ENV] = missing.join(' ');
  return {
    args: [proc.execPath, ...missing, ...proc.execArgv, ...proc.argv.slice(1)],
    env,
  };
}

/**
 * Replaces this process with the same command plus the broker's Node flags (same PID).
 * Does nothing where `process.execve` does not exist (Node < 22.15, Windows): the broker
 * then runs with V8's defaults.
 */
export function applyBrokerNodeFlags(): void {
  if (typeof process.execve !== 'function') return;
  const plan = reexecPlan(process);
  if (plan) process.execve(process.execPath, plan.args, plan.env);
}
