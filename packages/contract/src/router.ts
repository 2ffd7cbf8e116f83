import { initContract } from '@ts-rest/core';
import { adminRouter } from './routers/admin.js';
import { healthRouter } from './routers/health.js';
import { leaseRouter } from './routers/lease.js';
import { policyRouter } from './routers/policy.js';

const c = initContract();

/**
 * The v1 routes, with paths relative to the endpoint prefix (default
 * `/qa-credentials/v1`): the server mounts them under it, the client puts it in its base URL.
 */
export const brokerContract = c.router({
  ...leaseRouter,
  admin: { ...adminRouter, ...healthRouter, policy: policyRouter },
});
export type BrokerContract = typeof brokerContract;
