import { openScratchPostgresStore } from '../../store-postgres/test/support/postgres-server.js';
import { describeHealthSuite } from './support/describe-health-suite.js';

describeHealthSuite('postgresql', () => openScratchPostgresStore({ poolSize: 4 }));
