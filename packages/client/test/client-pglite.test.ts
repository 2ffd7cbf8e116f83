import { openPgliteStore } from '@qa-broker/store-postgres';
import { describeClientSuite } from './support/describe-client-suite.js';

// One in-memory PGlite for this file.
describeClientSuite('pglite', () => openPgliteStore({}));
