import { describeCredentialStore } from '@qa-broker/store/conformance';
import { PGBOUNCER_VERSIONS, pgbouncerStoreOptions } from './support/pgbouncer.js';
import { openScratchPostgresStore } from './support/postgres-server.js';

// The same suite through PgBouncer in transaction mode: 1.18 (Debian 12, no prepared
// statements) and 1.24 (built from Debian's source package, with them).
for (const version of PGBOUNCER_VERSIONS) {
  describeCredentialStore(`PostgreSQL through PgBouncer ${version} (transaction mode)`, () =>
    openScratchPostgresStore(pgbouncerStoreOptions(version)),
  );
}
