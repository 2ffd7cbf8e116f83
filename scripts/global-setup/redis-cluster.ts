import { startService } from './start-service.js';

/** The 3-primary, 3-replica Redis Cluster on 127.0.0.1:7100-7105 (scripts/redis-cluster.sh). */
export default startService('redis-cluster.sh');
