import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'qa-broker.js');

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningBin {
  process: ChildProcess;
  /** Resolves once stderr contains `text`. */
  stderrIncludes(text: string): Promise<void>;
  done: Promise<BinResult>;
}

/** Spawns the real bin on this Node (the project's Node 24) with exactly `env`. */
export function startBin(args: string[], env: Record<string, string>): RunningBin {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of waiters.filter((w) => stderr.includes(w.text))) waiter.resolve();
  });
  const done = new Promise<BinResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    process: child,
    stderrIncludes: (text) =>
      new Promise((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void done.then(() =>
          stderr.includes(text) ? resolve() : reject(new Error(`bin ended; stderr: ${stderr}`)),
        );
      }),
    done,
  };
}

export function runBin(args: string[], env: Record<string, string>): Promise<BinResult> {
  return startBin(args, env).done;
}

/** A Node one-liner for `run -- …`: the command the credential is handed to. */
export function nodeCommand(script: string): string[] {
  return [process.execPath, '-e', script];
}
