import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const packageDir = join(import.meta.dirname, '..', '..');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtMtimeMs(): number {
  try {
    return statSync(join(packageDir, 'dist', 'cli.js')).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds dist/ (what bin/qa-broker.js loads) when it is missing or older than src/. */
export default function setup(): void {
  if (builtMtimeMs() >= newestMtimeMs(join(packageDir, 'src'))) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `Building @qa-broker/client for the CLI tests failed:\n${result.stdout}${result.stderr}`,
    );
  }
}
