import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const scriptsDir = join(import.meta.dirname, '..');

function run(script: string, args: string[]): boolean {
  try {
    execFileSync(join(scriptsDir, script), args, { stdio: ['ignore', 'inherit', 'inherit'] });
    return true;
  } catch {
    return false;
  }
}

/**
 * A vitest global setup for a local service a test project needs (scripts/<script> start),
 * started only when it is not up already, and stopped after the whole run only by the setup
 * that started it — so parallel projects and a running developer instance are left alone.
 * A start that fails throws: tests never skip because a service is missing.
 */
export function startService(script: string, args: string[] = []): () => () => void {
  return () => {
    if (run(script, ['status', ...args])) return () => undefined;
    if (!run(script, ['start', ...args])) {
      throw new Error(`scripts/${script} start ${args.join(' ')} failed: see the output above.`);
    }
    return () => {
      run(script, ['stop', ...args]);
    };
  };
}
