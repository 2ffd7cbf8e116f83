import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LoopDelay } from '../measure/loop-delay.ts';

export interface ChildMemory {
  /** Peak resident set size so far (VmHWM, from /proc). */
  peakRssBytes: number;
  rssBytes: number;
  /** The child's own process.memoryUsage(): where the resident memory lives. */
  heapUsedBytes?: number;
  heapTotalBytes?: number;
  externalBytes?: number;
  arrayBuffersBytes?: number;
}

export interface ChildHandle {
  pid: number;
  port: number;
  /** VmHWM/VmRSS from /proc (Linux) plus the child's heap breakdown; null without /proc. */
  memory(): Promise<ChildMemory | null>;
  /** The child's event-loop delay since the previous call (null if it did not answer). */
  loopDelay(): Promise<LoopDelay | null>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts a bench child (a .ts entry run by this same Node binary) and waits for its
 * `{"port":N}` line. Its stderr is forwarded line by line with a label.
 */
export async function spawnChild(
  entry: URL,
  env: Record<string, string>,
  label: string,
  nodeFlags: string[] = [],
): Promise<ChildHandle> {
  const child = spawn(process.execPath, [...nodeFlags, fileURLToPath(entry)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  createInterface({ input: child.stderr }).on('line', (line) => {
    process.stderr.write(`[${label}] ${line}\n`);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label}: could not start a child process.`);

  let onMemory: ((usage: NodeJS.MemoryUsage) => void) | undefined;
  let onLoopDelay: ((delay: LoopDelay) => void) | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label}: no port within ${START_TIMEOUT_MS} ms.`));
    }, START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as {
          port?: unknown;
          memory?: NodeJS.MemoryUsage;
          loopDelay?: LoopDelay;
        };
        if (parsed.memory !== undefined) onMemory?.(parsed.memory);
        if (parsed.loopDelay !== undefined) onLoopDelay?.(parsed.loopDelay);
        if (typeof parsed.port === 'number') {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      } catch {
        // Not the ready line: ignore it.
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited with code ${String(code)} before listening.`));
    });
  });

  return {
    pid,
    port,
    memory: async () => {
      const proc = readProcMemory(pid);
      if (proc === null) return null;
      const usage = await new Promise<NodeJS.MemoryUsage | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 2_000);
        onMemory = (reported) => {
          clearTimeout(timer);
          resolve(reported);
        };
        child.stdin.write('memory\n');
      });
      onMemory = undefined;
      if (usage === undefined) return proc;
      return {
        ...proc,
        heapUsedBytes: usage.heapUsed,
        heapTotalBytes: usage.heapTotal,
        externalBytes: usage.external,
        arrayBuffersBytes: usage.arrayBuffers,
      };
    },
    loopDelay: async () => {
      const delay = await new Promise<LoopDelay | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 2_000);
        onLoopDelay = (reported) => {
          clearTimeout(timer);
          resolve(reported);
        };
        child.stdin.write('loop-delay\n');
      });
      onLoopDelay = undefined;
      return delay;
    },
    stop: async () => {
      child.stdin.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readProcMemory(pid: number): ChildMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return match === null ? 0 : Number(match[1]) * 1024;
    };
    return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
  } catch {
    return null;
  }
}
