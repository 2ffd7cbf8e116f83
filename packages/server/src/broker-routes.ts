import { brokerContract } from '@qa-broker/contract';
import type { RequestHandler } from 'express';
import type { RoleAuthenticator } from './auth.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import type { BrokerDeps } from './broker-deps.js';
import { ROUTE_RULES, routeMiddleware } from './preflight.js';
import type { BodyLimits } from './preflight.js';
import { acquireHandler } from './routes/acquire.js';
import { adminAddHandler } from './routes/admin-add.js';
import { adminEventsHandler } from './routes/admin-events.js';
import {
  adminQuarantineHandler,
  adminRestoreHandler,
  adminUpdateHandler,
} from './routes/admin-credential-health.js';
import { adminListHandler } from './routes/admin-list.js';
import { adminPolicyGetHandler, adminPolicySetHandler } from './routes/admin-policy.js';
import { adminQueueHandler } from './routes/admin-queue.js';
import { adminRemoveHandler } from './routes/admin-remove.js';
import { adminStatsHandler } from './routes/admin-stats.js';
import { heartbeatHandler } from './routes/heartbeat.js';
import { payloadChunkHandler } from './routes/payload-chunk.js';
import { releaseHandler } from './routes/release.js';
import { typedRoute } from './typed-route.js';

/**
 * The v1 routes as one middleware, mounted at the endpoint prefix. Each handler is typed
 * against its contract route but dispatched here rather than by ts-rest's express glue
 * (which would parse every body with zod a second time) or Express's router (which tries
 * each route's regular expression in turn): a POST's path below the prefix is looked up
 * in a Map, so matching stays exact and case-sensitive (`/ACQUIRE` or `/acquire/` is not a
 * broker route). Anything else goes on to the next middleware.
 */
export function brokerRoutes(
  deps: BrokerDeps,
  auth: RoleAuthenticator,
  limiter: AuthFailureLimiter | undefined,
  limits: BodyLimits,
): RequestHandler {
  const routes = new Map(
    [
      typedRoute(brokerContract.acquire, acquireHandler(deps)),
      typedRoute(brokerContract.heartbeat, heartbeatHandler(deps)),
      typedRoute(brokerContract.release, releaseHandler(deps)),
      typedRoute(brokerContract.payloadChunk, payloadChunkHandler(deps)),
      typedRoute(brokerContract.admin.add, adminAddHandler(deps)),
      typedRoute(brokerContract.admin.remove, adminRemoveHandler(deps)),
      typedRoute(brokerContract.admin.list, adminListHandler(deps)),
      typedRoute(brokerContract.admin.events, adminEventsHandler(deps)),
      typedRoute(brokerContract.admin.queue, adminQueueHandler(deps)),
      typedRoute(brokerContract.admin.restore, adminRestoreHandler(deps)),
      typedRoute(brokerContract.admin.quarantine, adminQuarantineHandler(deps)),
      typedRoute(brokerContract.admin.update, adminUpdateHandler(deps)),
      typedRoute(brokerContract.admin.policy.set, adminPolicySetHandler(deps)),
      typedRoute(brokerContract.admin.policy.get, adminPolicyGetHandler(deps)),
      typedRoute(brokerContract.admin.stats, adminStatsHandler(deps)),
    ].map((route) => [route.path, route]),
  );
  const handlers = new Map<string, RequestHandler>();
  for (const rule of ROUTE_RULES) {
    const route = routes.get(rule.path);
    if (route === undefined) throw new Error(`No handler for broker route ${rule.path}.`);
    handlers.set(rule.path, routeMiddleware(rule, route, auth, limiter, limits));
  }
  return (req, res, next) => {
    // req.path is below the mount point and without the query, as a router would match it.
    const handler = req.method === 'POST' ? handlers.get(req.path) : undefined;
    if (handler === undefined) next();
    else void handler(req, res, next);
  };
}
