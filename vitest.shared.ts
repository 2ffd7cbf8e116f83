import { basename, resolve } from 'node:path';
import type { UserWorkspaceConfig } from 'vitest/config';

const root = import.meta.dirname;

/** Tests import workspace packages from `src`, so `pnpm test` never needs a build first. */
const alias = [
  {
    find: /^@qa-broker\/store\/conformance$/,
    replacement: resolve(root, 'packages/store/src/conformance/index.ts'),
  },
  { find: /^@qa-broker\/([a-z-]+)$/, replacement: resolve(root, 'packages/$1/src/index.ts') },
];

/** Local services a project's tests need, started once per run (scripts/global-setup/). */
export type TestService = 'redis-cluster' | 'pgbouncer';

export function sharedProjectConfig(
  packageDir: string,
  options: { services?: TestService[] } = {},
): UserWorkspaceConfig {
  return {
    resolve: { alias },
    test: {
      name: basename(packageDir),
      globalSetup: (options.services ?? []).map((service) =>
        resolve(root, 'scripts/global-setup', `${service}.ts`),
      ),
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}
