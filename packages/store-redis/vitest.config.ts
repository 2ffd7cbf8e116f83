import { execFileSync } from 'node:child_process';
import { defineProject } from 'vitest/config';
import { sharedProjectConfig } from '../../vitest.shared.js';

// The scripts module is generated from src/lua/*.lua and not committed: make it here too,
// so `vitest run` works on a clean checkout without a build first.
execFileSync(process.execPath, [`${import.meta.dirname}/scripts/generate-lua.mjs`], {
  stdio: 'inherit',
});

export default defineProject(
  sharedProjectConfig(import.meta.dirname, { services: ['redis-cluster'] }),
);
