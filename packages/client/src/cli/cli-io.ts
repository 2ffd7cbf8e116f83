import { BrokerError } from '../broker-error.js';

/** Where the CLI reads and writes; tests pass their own, the bin passes the process's. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
}

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  leaseLost: 3,
  poolExhausted: 4,
} as const;

/** A wrong command line: exit 2 and a hint to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(`${line}\n`);
}

export function writeJson(io: CliIo, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value, null, 2));
}

/**
 * Reports a failure as one line on stderr, or as JSON on stdout with `--json`, and returns
 * the exit code it deserves.
 */
export function reportError(io: CliIo, json: boolean, error: unknown): number {
  const exitCode =
    error instanceof UsageError
      ? EXIT.usage
      : error instanceof BrokerError && error.code === 'LEASE_LOST'
        ? EXIT.leaseLost
        : error instanceof BrokerError &&
            (error.code === 'POOL_EXHAUSTED' || error.code === 'NO_CREDENTIAL_AVAILABLE')
          ? EXIT.poolExhausted
          : EXIT.error;
  const code =
    error instanceof BrokerError || error instanceof UsageError ? error.code : 'CLI_ERROR';
  const message = error instanceof Error ? error.message : 'Unexpected failure.';
  if (json) {
    writeJson(io, { status: 'error', code, message, exitCode });
  } else {
    const hint = error instanceof UsageError ? ' (see --help)' : '';
    writeLine(io.stderr, `qa-broker: ${oneLine(message)}${hint}`);
  }
  return exitCode;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
