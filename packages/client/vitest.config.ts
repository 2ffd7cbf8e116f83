import { defineProject } from 'vitest/config';
import { sharedProjectConfig } from '../../vitest.shared.js';

const shared = sharedProjectConfig(import.meta.dirname);

export default defineProject({
  ...shared,
  test: {
    ...shared.test,
    // The CLI tests spawn the real bin, which runs dist/: rebuild it when src is newer.
    globalSetup: ['test/support/build-dist.ts'],
  },
});
