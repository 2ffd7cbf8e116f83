import { openPgliteStore } from '@qa-broker/store-postgres';
import { describeBrokerHttp } from './support/describe-broker-http.js';
import { describeQueueHttp } from './support/describe-queue-http.js';

// One in-memory PGlite for this file: the suite opens the store once and closes it.
describeBrokerHttp('pglite', () => openPgliteStore({}));
describeQueueHttp('pglite', () => openPgliteStore({}));
