import {
  PGBOUNCER_VERSIONS,
  pgbouncerStoreOptions,
} from '../../store-postgres/test/support/pgbouncer.js';
import { openScratchPostgresStore } from '../../store-postgres/test/support/postgres-server.js';
import { describeBrokerHttp } from './support/describe-broker-http.js';
import { describeHealthHttp } from './support/describe-health-http.js';
import { describeQueueHttp } from './support/describe-queue-http.js';

// The HTTP suite through PgBouncer in transaction mode (scripts/pgbouncer.sh): 1.18 without
// named prepared statements, 1.24 with them. One random schema per store. The queue suite
// runs poll-only there (no LISTEN through a transaction pooler): brokers hand on by ticks.
for (const version of PGBOUNCER_VERSIONS) {
  const open = () => openScratchPostgresStore(pgbouncerStoreOptions(version));
  describeBrokerHttp(`postgres through PgBouncer ${version}`, open);
  describeQueueHttp(`postgres through PgBouncer ${version}`, open);
  describeHealthHttp(`postgres through PgBouncer ${version}`, open);
}
