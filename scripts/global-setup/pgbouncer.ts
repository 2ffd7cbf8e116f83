import { startService } from './start-service.js';

/** PgBouncer 1.18 on 127.0.0.1:6432 and 1.24 on 6433, transaction mode (scripts/pgbouncer.sh). */
export default startService('pgbouncer.sh');
