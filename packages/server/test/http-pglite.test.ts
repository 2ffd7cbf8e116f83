import { openPgliteStore } from '@qa-broker/store-postgres';
import { describeBrokerHttp } from './support/describe-broker-http.js';
import { describeDashboardHttp } from './support/describe-dashboard-http.js';
import { describeHealthHttp } from './support/describe-health-http.js';
import { describeQueueHttp } from './support/describe-queue-http.js';

// One in-memory PGlite per suite: each opens its store once and closes it.
describeBrokerHttp('pglite', () => openPgliteStore({}));
describeQueueHttp('pglite', () => openPgliteStore({}));
describeDashboardHttp('pglite', () => openPgliteStore({}));
describeHealthHttp('pglite', () => openPgliteStore({}));
