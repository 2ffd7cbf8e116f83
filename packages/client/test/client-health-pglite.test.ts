import { openPgliteStore } from '@qa-broker/store-postgres';
import { describeHealthSuite } from './support/describe-health-suite.js';

describeHealthSuite('pglite', () => openPgliteStore({}));
