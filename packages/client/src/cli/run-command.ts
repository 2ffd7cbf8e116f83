import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { WAIT_POLICY } from '@qa-broker/contract';
import { BrokerError, isPoolExhaustedCode } from '../broker-error.js';
import type { Lease, ReleaseOptions } from '../lease.js';
import type { PoolWaitEvent } from '../pool-wait.js';
import { cliClient } from './cli-client.js';
import { reportError, UsageError, writeLine, type CliIo } from './cli-io.js';
import { help } from './credentials-commands.js';
import { durationFlag } from './parse-duration.js';
import { integerFlag, parseFlags, requireFlag } from './parse-flags.js';
import { createReportFile, REPORT_FILE_ENV, type ReportFile } from './report-file.js';
import { USAGE } from './usage.js';

export const DEFAULT_PAYLOAD_ENV = 'QA_CREDENTIAL_PAYLOAD';
export const PAYLOAD_FILE_ENV = 'QA_CREDENTIAL_PAYLOAD_FILE';
/** How long a command stopped because its lease was lost gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 10_000;
/** Linux refuses a single environment string longer than this (MAX_ARG_STRLEN). */
const ENV_STRING_MAX_BYTES = 128 * 1024 - 1;

/** The broker's secrets are not the command's business. */
const WITHHELD_ENV = [
  'QA_BROKER_TOKEN',
  'QA_BROKER_SECRET_MAINTAINER',
  'QA_BROKER_SECRET_CI',
  'OPENCLAW_QA_CONVEX_SECRET_MAINTAINER',
  'OPENCLAW_QA_CONVEX_SECRET_CI',
];

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `qa-broker run --kind K [...] -- CMD…`: runs CMD while holding a leased credential. */
export async function runUnderLease(argv: string[], io: CliIo): Promise<number> {
  const split = argv.indexOf('--');
  const command = split === -1 ? [] : argv.slice(split + 1);
  const flags = parseFlags(split === -1 ? argv : argv.slice(0, split), {
    kind: { type: 'string' },
    'payload-env': { type: 'string' },
    'payload-file': { type: 'string' },
    'wait-timeout': { type: 'string' },
    'lease-ttl': { type: 'string' },
    'heartbeat-interval': { type: 'string' },
    'no-queue': { type: 'boolean' },
    priority: { type: 'string' },
    'broken-exit-code': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.run);
  const json = flags.json === true;
  const kind = requireFlag(flags.kind, '--kind');
  if (command.length === 0 || !command[0]) {
    throw new UsageError('Put the command to run after "--": qa-broker run --kind K -- CMD …');
  }
  if (flags['payload-env'] !== undefined && flags['payload-file'] !== undefined) {
    throw new UsageError('Use --payload-env or --payload-file, not both.');
  }
  const payloadEnv = flags['payload-env'] ?? DEFAULT_PAYLOAD_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(payloadEnv)) {
    throw new UsageError('--payload-env must be an environment variable name.');
  }
  const waitTimeoutMs = durationFlag(flags['wait-timeout'], '--wait-timeout');
  const leaseTtlMs = durationFlag(flags['lease-ttl'], '--lease-ttl');
  const heartbeatIntervalMs = durationFlag(flags['heartbeat-interval'], '--heartbeat-interval');
  const queue = flags['no-queue'] !== true;
  const priority = integerFlag(flags.priority, '--priority', WAIT_POLICY.priority);
  if (priority !== undefined && !queue) {
    throw new UsageError('--priority orders the wait queue: it cannot go with --no-queue.');
  }
  const brokenExitCode = integerFlag(flags['broken-exit-code'], '--broken-exit-code', {
    min: 1,
    max: 255,
  });
  const client = cliClient(io, flags);

  const cancel = new AbortController();
  let child: ChildProcess | undefined;
  let receivedSignal: ForwardedSignal | undefined;
  const onSignal = (signal: ForwardedSignal) => {
    receivedSignal ??= signal;
    if (child) child.kill(signal);
    else cancel.abort(new Error(`Received ${signal}.`));
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);

  const payloadPath = flags['payload-file'] ? resolve(flags['payload-file']) : undefined;
  let payloadHandle: FileHandle | undefined;
  let createdPayloadFile = false;
  let reportFile: ReportFile | undefined;
  try {
    // Reserve the payload file before taking a credential: if it exists, fail early.
    if (payloadPath) {
      payloadHandle = await reservePayloadFile(payloadPath);
      createdPayloadFile = true;
    }

    let lease: Lease;
    try {
      lease = await client.acquireLease(kind, {
        ...(waitTimeoutMs === undefined ? {} : { waitTimeoutMs }),
        ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
        ...(heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs }),
        queue,
        ...(priority === undefined ? {} : { priority }),
        signal: cancel.signal,
        onWait: progressReporter(kind, io),
      });
    } catch (error) {
      if (receivedSignal && error instanceof BrokerError && error.code === 'ABORTED') {
        writeLine(
          io.stderr,
          `qa-broker: stopped waiting for a "${kind}" credential (${receivedSignal}).`,
        );
        return signalExitCode(receivedSignal);
      }
      throw error;
    }

    let release: ReleaseOptions = {};
    try {
      writeLine(
        io.stderr,
        `qa-broker: leased credential ${lease.credentialId} (kind "${kind}", fencing token ${lease.fencingToken}); running ${command[0]}.`,
      );
      const env = childEnv(io.env, lease);
      const serialized = JSON.stringify(lease.payload);
      if (payloadPath && payloadHandle) {
        await payloadHandle.writeFile(serialized, 'utf8');
        await payloadHandle.close();
        payloadHandle = undefined;
        env[PAYLOAD_FILE_ENV] = payloadPath;
      } else {
        if (Buffer.byteLength(serialized) + payloadEnv.length + 1 > ENV_STRING_MAX_BYTES) {
          throw new BrokerError(
            'INVALID_CONFIG',
            `The payload is too large for an environment variable: use --payload-file PATH.`,
            { transient: false },
          );
        }
        env[payloadEnv] = serialized;
      }
      if (lease.maxExpiresAtMs !== undefined) {
        writeLine(
          io.stderr,
          `qa-broker: the kind's policy ends this lease by ${new Date(lease.maxExpiresAtMs).toISOString()} at the latest.`,
        );
      }
      if (brokenExitCode !== undefined) {
        reportFile = await createReportFile();
        env[REPORT_FILE_ENV] = reportFile.path;
      }
      if (receivedSignal) return signalExitCode(receivedSignal);

      child = spawn(command[0], command.slice(1), { env, stdio: childStdio(io) });
      pipeOutput(child, io);
      const outcome = await superviseChild(child, lease, io);
      if (outcome.lost) {
        return reportError(io, json, outcome.lost);
      }
      if (outcome.spawnError) {
        throw new BrokerError(
          'INVALID_CONFIG',
          `Could not start ${command[0]}: ${outcome.spawnError.message}`,
          { transient: false },
        );
      }
      if (reportFile && outcome.code === brokenExitCode) {
        const reason =
          (await reportFile.readReason()) ??
          `The command exited with ${brokenExitCode} (--broken-exit-code) and wrote no reason to ${REPORT_FILE_ENV}.`;
        release = { outcome: 'broken', reason };
        writeLine(
          io.stderr,
          `qa-broker: ${command[0]} exited with ${brokenExitCode}: reporting credential ${lease.credentialId} broken (${reason}).`,
        );
      }
      return outcome.code ?? signalExitCode(outcome.signal ?? 'SIGKILL');
    } finally {
      await lease.release(release).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : 'unknown error';
        writeLine(
          io.stderr,
          `qa-broker: warning: releasing credential ${lease.credentialId} failed: ${why}`,
        );
      });
    }
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
    await payloadHandle?.close().catch(() => undefined);
    await reportFile?.remove().catch(() => undefined);
    // Only a file this run created is removed; one that was already there is not ours.
    if (payloadPath && createdPayloadFile) await unlink(payloadPath).catch(() => undefined);
  }
}

/** Progress lines go to stderr at most about once a second (stdout is the command's). */
const PROGRESS_INTERVAL_MS = 1_000;

function progressReporter(kind: string, io: CliIo): (event: PoolWaitEvent) => void {
  let lastAt = -Infinity;
  return (event) => {
    const now = performance.now();
    if (now - lastAt < PROGRESS_INTERVAL_MS) return;
    lastAt = now;
    writeLine(io.stderr, waitingLine(kind, event));
  };
}

export function waitingLine(kind: string, event: PoolWaitEvent): string {
  if (!event.queued) {
    return `qa-broker: no "${kind}" credential is free (${event.error.code}); retrying in ${seconds(event.nextDelayMs)}, waited ${seconds(event.waitedMs)} of ${seconds(event.waitTimeoutMs)}.`;
  }
  const place =
    event.position === undefined
      ? 'queued'
      : `position ${event.position}${event.queueLength === undefined ? '' : ` of ${event.queueLength}`}`;
  const trouble = isPoolExhaustedCode(event.error.code)
    ? ''
    : ` (${event.error.code}: retrying in ${seconds(event.nextDelayMs)})`;
  return `qa-broker: waiting for a "${kind}" credential: ${place}, ${seconds(event.waitedMs)}${trouble}.`;
}

async function reservePayloadFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BrokerError(
      'INVALID_CONFIG',
      code === 'EEXIST'
        ? `--payload-file ${path} already exists: pass a path that does not exist yet.`
        : `--payload-file ${path} cannot be created (${code ?? 'unknown error'}).`,
      { transient: false, cause: error },
    );
  }
}

function childEnv(parent: CliIo['env'], lease: Lease): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && !WITHHELD_ENV.includes(name)) env[name] = value;
  }
  delete env[DEFAULT_PAYLOAD_ENV];
  delete env[PAYLOAD_FILE_ENV];
  delete env[REPORT_FILE_ENV];
  env.QA_CREDENTIAL_ID = lease.credentialId;
  env.QA_CREDENTIAL_FENCING_TOKEN = String(lease.fencingToken);
  return env;
}

/** The process's own streams are inherited (the command keeps its TTY); others are piped. */
function childStdio(io: CliIo): StdioOptions {
  return [
    io.stdin === process.stdin ? 'inherit' : 'ignore',
    io.stdout === process.stdout ? 'inherit' : 'pipe',
    io.stderr === process.stderr ? 'inherit' : 'pipe',
  ];
}

function pipeOutput(child: ChildProcess, io: CliIo): void {
  child.stdout?.pipe(io.stdout, { end: false });
  child.stderr?.pipe(io.stderr, { end: false });
}

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
  lost?: BrokerError;
}

/**
 * Waits for the command to end. If the lease is lost first, the command is stopped:
 * SIGTERM, then SIGKILL after a grace period.
 */
function superviseChild(child: ChildProcess, lease: Lease, io: CliIo): Promise<ChildOutcome> {
  return new Promise((resolveOutcome) => {
    let lost: BrokerError | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onLost = () => {
      const reason: unknown = lease.signal.reason;
      const why = (reason instanceof BrokerError ? reason.message : 'The lease was lost.').replace(
        /\.$/,
        '',
      );
      lost = new BrokerError('LEASE_LOST', `${why}; the command was stopped.`, {
        transient: false,
        cause: reason,
      });
      writeLine(io.stderr, `qa-broker: ${why}; stopping the command (SIGTERM).`);
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    if (lease.signal.aborted) onLost();
    else lease.signal.addEventListener('abort', onLost, { once: true });
    const finish = (outcome: ChildOutcome) => {
      clearTimeout(killTimer);
      lease.signal.removeEventListener('abort', onLost);
      resolveOutcome(lost ? { ...outcome, lost } : outcome);
    };
    child.once('error', (spawnError) => {
      // 'error' without a pid means the command never started.
      if (child.pid === undefined) finish({ code: null, signal: null, spawnError });
    });
    child.once('close', (code, signal) => finish({ code, signal }));
  });
}
