import type { KindPolicy } from '@qa-broker/contract';
import { cliClient } from './cli-client.js';
import { EXIT, UsageError, writeJson, writeLine, type CliIo } from './cli-io.js';
import { defaultActorId, help } from './credentials-commands.js';
import { formatTable } from './format-table.js';
import { parseFlags, requireFlag } from './parse-flags.js';
import { policyPatchOf } from './parse-policy-flags.js';
import { USAGE } from './usage.js';

/** A duration in the largest unit that divides it, as `--max-hold` takes it. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

const cell = (value: number | undefined, format: (n: number) => string = String) =>
  value === undefined ? '-' : format(value);

function policyTable(policies: readonly KindPolicy[]): string {
  return formatTable(
    [
      'kind',
      'maxHold',
      'perRole.ci',
      'perRole.maintainer',
      'perOwner',
      'quarantineAfter',
      'updated',
    ],
    policies.map((policy) => [
      policy.kind,
      cell(policy.maxHoldMs, formatDuration),
      cell(policy.maxLeasesPerRole?.ci),
      cell(policy.maxLeasesPerRole?.maintainer),
      cell(policy.maxLeasesPerOwner),
      cell(policy.quarantineAfterBroken),
      new Date(policy.updatedAtMs).toISOString(),
    ]),
  );
}

/** `qa-broker policy get [--kind K]`. */
export async function policyGet(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { kind: { type: 'string' } });
  if (flags.help) return help(io, USAGE.policyGet);
  const kind = flags.kind === undefined ? undefined : requireFlag(flags.kind, '--kind');
  const client = cliClient(io, flags, 'maintainer');
  const policies = await client.getPolicies(kind === undefined ? {} : { kind });
  if (flags.json) {
    writeJson(io, { status: 'ok', policies });
  } else if (policies.length === 0) {
    writeLine(
      io.stdout,
      kind === undefined
        ? 'No kind has a policy: every kind runs on the defaults.'
        : `Kind "${kind}" has no policy: it runs on the defaults (no hold cap, no quotas, quarantine after 1 broken report).`,
    );
  } else {
    writeLine(io.stdout, policyTable(policies));
  }
  return EXIT.ok;
}

/** `qa-broker policy set --kind K [--max-hold D] [...]`: a patch, "none" clears a field. */
export async function policySet(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    kind: { type: 'string' },
    'max-hold': { type: 'string' },
    'max-leases-per-role': { type: 'string' },
    'max-leases-per-owner': { type: 'string' },
    'quarantine-after-broken': { type: 'string' },
    'actor-id': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.policySet);
  const kind = requireFlag(flags.kind, '--kind');
  const patch = policyPatchOf(flags);
  const client = cliClient(io, flags, 'maintainer');
  const actorId = flags['actor-id'] ?? defaultActorId();
  const policy = await client.setPolicy({
    kind,
    ...patch,
    ...(actorId === undefined ? {} : { actorId }),
  });
  if (flags.json) {
    writeJson(io, { status: 'ok', policy });
  } else {
    writeLine(io.stdout, `Policy of kind "${kind}" is now:\n${policyTable([policy])}`);
  }
  return EXIT.ok;
}

export function policyCommand(argv: string[], io: CliIo): Promise<number> | number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    if (sub === undefined) {
      io.stderr.write(`${USAGE.policy}\n`);
      return EXIT.usage;
    }
    return help(io, USAGE.policy);
  }
  if (sub === 'get') return policyGet(rest, io);
  if (sub === 'set') return policySet(rest, io);
  throw new UsageError(`Unknown policy command "${sub}": use "policy get" or "policy set".`);
}
