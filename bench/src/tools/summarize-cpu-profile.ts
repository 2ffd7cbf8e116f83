import { readFile } from 'node:fs/promises';

/*
 * Prints where a V8 .cpuprofile (from `pnpm bench --broker-cpu-prof DIR`) spent its time:
 * self time grouped by package (node_modules package, workspace package or node internals)
 * and by function, and the request path in buckets (GC, kernel socket writes for HTTP
 * and for the store, Express, validation, logging, …) — in µs per request when the
 * number of requests the profile covers is given.
 * Usage: node src/tools/summarize-cpu-profile.ts FILE [top] [requests]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  const workspace = /\/(packages\/[^/]+|bench)\//.exec(url);
  if (workspace?.[1] !== undefined) return workspace[1];
  return url;
}

function shortUrl(url: string): string {
  const parts = url.split('/');
  return parts.slice(-2).join('/');
}

/** Time spent in a function and everything it called (a function counted once per stack). */
function inclusiveTimes(
  profile: CpuProfile,
  byId: Map<number, ProfileNode>,
  selfMicros: Map<number, number>,
): Map<string, number> {
  const inclusive = new Map<string, number>();
  const visit = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (node === undefined) return 0;
    const frame = node.callFrame;
    const name = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const counted = frame.url !== '' && !frame.url.startsWith('node:') && !onStack.has(name);
    if (counted) onStack.add(name);
    let total = selfMicros.get(id) ?? 0;
    for (const child of node.children ?? []) total += visit(child, onStack);
    if (counted) {
      onStack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + total);
    }
    return total;
  };
  const root = profile.nodes[0];
  if (root !== undefined) visit(root.id, new Set());
  return inclusive;
}

const LOGGING = new Set(['pino', '@pinojs/redact', 'sonic-boom', 'pino-std-serializers']);
const EXPRESS = new Set([
  'express',
  'router',
  'mime-types',
  'content-type',
  'parseurl',
  'path-to-regexp',
  'forwarded',
  'proxy-addr',
  'debug',
  'depd',
  'get-intrinsic',
  'finalhandler',
  'send',
  'etag',
  'fresh',
  'on-finished',
  'type-is',
  'accepts',
  'vary',
  'qs',
  'http-errors',
  'statuses',
  'encodeurl',
  'escape-html',
  'range-parser',
  'negotiator',
  'media-typer',
  'merge-descriptors',
  'setprototypeof',
  'safe-buffer',
  'cookie',
  'cookie-signature',
]);
const STORE_CLIENT = new Set([
  'ioredis',
  'denque',
  'standard-as-callback',
  '@ioredis/commands',
  'cluster-key-slot',
  'redis-errors',
  'redis-parser',
  'pg',
  'pg-protocol',
  'pg-pool',
  'pg-types',
]);

/** Which part of serving a request a sample belongs to, looking up its stack. */
function bucketOf(
  id: number,
  byId: Map<number, ProfileNode>,
  parentOf: Map<number, number>,
): string {
  const frame = byId.get(id)?.callFrame;
  if (frame === undefined) return 'other';
  if (frame.functionName === '(idle)') return '(idle)';
  if (frame.functionName === '(garbage collector)') return 'garbage collection';
  const ancestors: string[] = [];
  for (let current = parentOf.get(id); current !== undefined; current = parentOf.get(current))
    ancestors.push(packageOf(byId.get(current)?.callFrame.url ?? ''));
  const under = (names: Set<string> | string[]) =>
    ancestors.some((pkg) => (names instanceof Set ? names.has(pkg) : names.includes(pkg)));
  if (frame.url === '' && /^write/.test(frame.functionName)) {
    if (under(STORE_CLIENT)) return 'kernel: socket writes to the store';
    if (under(LOGGING)) return 'log line write (to /dev/null)';
    return 'kernel: socket writes of HTTP responses';
  }
  const own = packageOf(frame.url);
  const pick = (pkg: string): string | undefined => {
    if (STORE_CLIENT.has(pkg)) return 'store client (ioredis / pg)';
    if (pkg.startsWith('packages/store')) return 'store adapter';
    if (pkg === 'zod' || pkg === 'packages/contract') return 'validation (zod)';
    if (LOGGING.has(pkg)) return 'logging (pino, redaction)';
    if (pkg === 'prom-client') return 'metrics (prom-client)';
    if (EXPRESS.has(pkg)) return 'Express, router and its helpers';
    if (pkg === 'packages/server') return 'server code (auth, token, routes, guards)';
    return undefined;
  };
  const direct = pick(own);
  if (direct !== undefined) return direct;
  // Node internals and natives count toward the first library frame above them.
  for (const pkg of ancestors) {
    const found = pick(pkg);
    if (found !== undefined) return `${found} (in Node)`;
  }
  if (own === 'node internals') return 'Node HTTP, net and streams';
  return 'other (V8 runtime, startup)';
}

async function main(file: string | undefined, top: number, requests: number): Promise<void> {
  if (file === undefined) throw new Error('usage: summarize-cpu-profile.ts FILE [top]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  // Natives (socket writes, GC) say little alone: name the JS frames that called them.
  const callerChain = (id: number, depth: number): string => {
    const names: string[] = [];
    let current = parentOf.get(id);
    while (current !== undefined && names.length < depth) {
      const frame = byId.get(current)?.callFrame;
      if (frame !== undefined)
        names.push(`${frame.functionName || '(anonymous)'}@${shortUrl(frame.url)}`);
      current = parentOf.get(current);
    }
    return names.join(' < ');
  };
  const byNativeCaller = new Map<string, number>();
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  let total = 0;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    total += micros;
    const pkg = frame.functionName === '(idle)' ? '(idle)' : packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    if (frame.url === '' && !frame.functionName.startsWith('(')) {
      const key = `${frame.functionName} < ${callerChain(id, Number(process.env.CALLER_DEPTH ?? 4))}`;
      byNativeCaller.set(key, (byNativeCaller.get(key) ?? 0) + micros);
    }
  }
  const print = (title: string, entries: Map<string, number>): void => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top))
      process.stdout.write(`${((100 * micros) / total).toFixed(1).padStart(6)}%  ${name}\n`);
  };
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n`);
  print('Self time by package', byPackage);
  print('Self time by function', byFunction);
  print('Native self time by calling JS frames', byNativeCaller);
  print(
    'Inclusive time of workspace and library functions',
    inclusiveTimes(profile, byId, selfMicros),
  );
  const buckets = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const bucket = bucketOf(id, byId, parentOf);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + micros);
  }
  const busy = total - (buckets.get('(idle)') ?? 0);
  process.stdout.write(
    `\nRequest path (busy ${(busy / 1e6).toFixed(2)} s${requests > 0 ? `, ${requests} requests` : ''})\n`,
  );
  for (const [name, micros] of [...buckets].sort((a, b) => b[1] - a[1])) {
    if (name === '(idle)') continue;
    const perRequest =
      requests > 0 ? `${(micros / requests).toFixed(1).padStart(7)} µs/request  ` : '';
    process.stdout.write(
      `${perRequest}${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}\n`,
    );
  }
  if (requests > 0)
    process.stdout.write(`${(busy / requests).toFixed(1).padStart(7)} µs/request  total busy\n`);
}

await main(process.argv[2], Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0));
