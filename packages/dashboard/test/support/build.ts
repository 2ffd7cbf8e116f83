import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * vitest globalSetup: the browser tests run the real `qa-broker-server` bin, which runs
 * the server's dist/ and serves this package's dist/. Turbo builds both (the server
 * depends on the dashboard) and answers from its cache when nothing changed.
 */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..', '..', '..', '..');
  const turbo = resolve(root, 'node_modules', 'turbo', 'bin', 'turbo');
  const result = spawnSync(
    process.execPath,
    [turbo, 'run', 'build', '--filter=@qa-broker/server', '--output-logs=errors-only'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
  );
  if (result.status !== 0) {
    throw new Error(`Building the server and dashboard failed:\n${result.stdout}${result.stderr}`);
  }
}
