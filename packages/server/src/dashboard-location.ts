import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the dashboard package's built files are, found the way Node resolves the package
 * (the server depends on it as a workspace package), never by importing its source.
 * Undefined when the package is not installed; a missing build is reported per request.
 */
export function defaultDashboardDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('@qa-broker/dashboard/package.json')), 'dist');
  } catch {
    return undefined;
  }
}
