import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where a cycle's CPU goes: cumulative CPU time (user + system, ms) of the processes that
 * serve it, read at both edges of a measured window. Throughput on two shared cores is
 * bounded by the sum, so "ms of CPU per cycle" per process says which one a figure is
 * waiting for, which no latency or rate can.
 *
 * - `bench`: this process (the load generator; for raw-store runs also the adapter).
 * - `broker`: the child serving HTTP (the broker, or a floor's Express), by PID.
 * - `server`: every process of the store's server on this machine (`postgres` or
 *   `redis-server` by name), so a shared server's other work is counted too; the bench
 *   refuses non-loopback stores, so the server is always local. Backends that exit inside
 *   the window take their CPU with them: pools keep theirs open.
 */
export type CpuSource = 'bench' | 'broker' | 'server';

export type CpuReading = Partial<Record<CpuSource, number>>;

export interface CpuMeter {
  read(): CpuReading;
}

export type StoreServerProcess = 'postgres' | 'redis-server';

/** The server processes of a store kind; PGlite runs inside the broker or the bench. */
export function serverProcessOf(kind: string): StoreServerProcess | undefined {
  if (kind === 'postgres' || kind.startsWith('pgbouncer')) return 'postgres';
  if (kind.startsWith('redis')) return 'redis-server';
  return undefined;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime: USER_HZ, 100 on Linux. */
const TICKS_PER_S = 100;

export function cpuMeter(options: {
  brokerPid?: number;
  server?: StoreServerProcess | undefined;
}): CpuMeter {
  return {
    read: () => {
      const usage = process.cpuUsage();
      const reading: CpuReading = { bench: (usage.user + usage.system) / 1000 };
      if (options.brokerPid !== undefined) {
        const broker = processCpuMs(String(options.brokerPid));
        if (broker !== undefined) reading.broker = broker;
      }
      if (options.server !== undefined) reading.server = serverCpuMs(options.server);
      return reading;
    },
  };
}

/** What each source spent between two readings; sources missing from either are left out. */
export function cpuSpent(before: CpuReading, after: CpuReading): CpuReading {
  const spent: CpuReading = {};
  for (const source of Object.keys(after) as CpuSource[]) {
    const start = before[source];
    const end = after[source];
    if (start !== undefined && end !== undefined) spent[source] = Math.max(0, end - start);
  }
  return spent;
}

function processCpuMs(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_S : undefined;
  } catch {
    return undefined; // no /proc (not Linux), or the process is gone
  }
}

function serverCpuMs(name: StoreServerProcess): number {
  let total = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === name) total += processCpuMs(pid) ?? 0;
  }
  return total;
}
