import { defineProject } from 'vitest/config';
import { sharedProjectConfig } from '../../vitest.shared.js';

const shared = sharedProjectConfig(import.meta.dirname);

export default defineProject({
  ...shared,
  test: {
    ...shared.test,
    // The browser tests run the real `qa-broker-server` bin, which serves dist/ of this
    // package: build both (turbo, cached) before any test starts.
    globalSetup: ['test/support/build.ts'],
    testTimeout: 60_000,
  },
});
