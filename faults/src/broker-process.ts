import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { exited } from './child-process.ts';
import { waitFor } from './sleep.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const SERVER_BIN = join(REPO_ROOT, 'packages', 'server', 'bin', 'qa-broker-server.js');
const CLOCK_SKEW_PRELOAD = join(import.meta.dirname, 'clock-skew-preload.ts');

export interface BrokerSettings {
  index: number;
  port: number;
  storeUrl: string;
  /** Secrets and lease bounds, as the server reads them from its environment. */
  env: Record<string, string>;
  /** Shifts this broker's own clock (Date.now, new Date, performance.timeOrigin). */
  clockOffsetMs: number;
  /** Where its stdout and stderr go. */
  logFile: string;
}

/**
 * One `qa-broker-server serve` PROCESS, on a fixed port so it comes back at the same
 * address after a kill. It runs on the harness's Node (24) from the built dist.
 */
export class BrokerProcess {
  readonly settings: BrokerSettings;
  private child: ChildProcess | undefined;
  private paused = false;

  constructor(settings: BrokerSettings) {
    this.settings = settings;
  }

  get url(): string {
    return `http://127.0.0.1:${this.settings.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const { settings } = this;
    const args = settings.clockOffsetMs !== 0 ? ['--import', CLOCK_SKEW_PRELOAD] : [];
    args.push(SERVER_BIN, 'serve', '--store', settings.storeUrl, '--host', '127.0.0.1');
    args.push('--port', String(settings.port), '--log-level', 'warn');
    const log = openSync(settings.logFile, 'a');
    try {
      this.child = spawn(process.execPath, args, {
        env: {
          ...process.env,
          ...settings.env,
          QA_FAULTS_CLOCK_OFFSET_MS: String(settings.clockOffsetMs),
        },
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    await waitFor(
      `broker ${settings.index} on port ${settings.port}`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`broker ${settings.index} exited with ${child.exitCode}`);
        const answer = await request(`${this.url}/healthz`, {
          headersTimeout: 500,
          bodyTimeout: 500,
        });
        await answer.body.dump();
        return answer.statusCode === 200;
      },
      20_000,
    );
  }

  /** SIGKILL: in-flight requests die with it, nothing is drained. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    if (this.paused) child.kill('SIGCONT');
    this.paused = false;
    child.kill('SIGKILL');
    await exited(child);
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing until `resume`. */
  pause(): void {
    if (!this.child) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.child || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** Graceful stop at the end of a run (SIGTERM, then SIGKILL if it hangs). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.resume();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
    this.child = undefined;
  }
}
