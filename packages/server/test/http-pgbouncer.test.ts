import {
  PGBOUNCER_VERSIONS,
  pgbouncerStoreOptions,
} from '../../store-postgres/test/support/pgbouncer.js';
import { openScratchPostgresStore } from '../../store-postgres/test/support/postgres-server.js';
import { describeBrokerHttp } from './support/describe-broker-http.js';

// The HTTP suite through PgBouncer in transaction mode (scripts/pgbouncer.sh): 1.18 without
// named prepared statements, 1.24 with them. One random schema per store.
for (const version of PGBOUNCER_VERSIONS) {
  describeBrokerHttp(`postgres through PgBouncer ${version}`, () =>
    openScratchPostgresStore(pgbouncerStoreOptions(version)),
  );
}
