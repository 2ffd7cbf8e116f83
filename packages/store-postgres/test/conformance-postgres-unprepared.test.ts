import { describeCredentialStore } from '@qa-broker/store/conformance';
import { openScratchPostgresStore } from './support/postgres-server.js';

// The switch for poolers that cannot keep prepared statements: every statement as text.
describeCredentialStore('PostgreSQL, prepared statements off', () =>
  openScratchPostgresStore({ preparedStatements: false }),
);
