import { EXIT, reportError, UsageError, type CliIo } from './cli/cli-io.js';
import {
  credentialsAdd,
  credentialsList,
  credentialsRemove,
  help,
} from './cli/credentials-commands.js';
import { credentialsDoctor } from './cli/credentials-doctor.js';
import {
  credentialsQuarantine,
  credentialsRestore,
  credentialsUpdate,
} from './cli/health-commands.js';
import { wantsJson } from './cli/parse-flags.js';
import { showQueue } from './cli/queue-command.js';
import { policyCommand } from './cli/policy-commands.js';
import { runUnderLease } from './cli/run-command.js';
import { USAGE } from './cli/usage.js';

export type { CliIo } from './cli/cli-io.js';
export { EXIT } from './cli/cli-io.js';

const CREDENTIAL_COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  add: credentialsAdd,
  list: credentialsList,
  remove: credentialsRemove,
  restore: credentialsRestore,
  quarantine: credentialsQuarantine,
  update: credentialsUpdate,
  doctor: credentialsDoctor,
};

/**
 * The `qa-broker` CLI. Reads only `io` (never process.env), so tests run it in-process;
 * resolves with the exit code.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = wantsJson(argv);
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      return command === undefined ? usage(io, USAGE.main) : help(io, USAGE.main);
    }
    if (command === 'run') return await runUnderLease(rest, io);
    if (command === 'queue') return await showQueue(rest, io);
    if (command === 'policy') return await policyCommand(rest, io);
    if (command === 'credentials') {
      const [sub, ...subArgs] = rest;
      if (sub === undefined || sub === '--help' || sub === '-h') {
        return sub === undefined ? usage(io, USAGE.credentials) : help(io, USAGE.credentials);
      }
      const handler = Object.hasOwn(CREDENTIAL_COMMANDS, sub)
        ? CREDENTIAL_COMMANDS[sub]
        : undefined;
      if (!handler) throw new UsageError(`Unknown credentials command "${sub}".`);
      return await handler(subArgs, io);
    }
    throw new UsageError(`Unknown command "${command}".`);
  } catch (error) {
    return reportError(io, json, error);
  }
}

function usage(io: CliIo, text: string): number {
  io.stderr.write(`${text}\n`);
  return EXIT.usage;
}
