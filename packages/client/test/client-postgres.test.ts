// The store package's own scratch-schema helper: a fresh random schema on the real server,
// dropped again when the store closes (the client has no database driver of its own).
import { openScratchPostgresStore } from '../../store-postgres/test/support/postgres-server.js';
import { describeClientSuite } from './support/describe-client-suite.js';

describeClientSuite('postgresql', () => openScratchPostgresStore({ poolSize: 4 }));
