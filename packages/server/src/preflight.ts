import {
  AcquireBodySchema,
  AdminEventsBodySchema,
  AdminListBodySchema,
  AdminPolicyGetBodySchema,
  AdminPolicySetBodySchema,
  AdminQuarantineBodySchema,
  AdminQueueBodySchema,
  AdminRestoreBodySchema,
  AdminRemoveBodySchema,
  AdminStatsBodySchema,
  HeartbeatBodySchema,
  LeaseActorSchema,
  PayloadChunkBodySchema,
  ReleaseBodySchema,
  brokerContract,
  parseAdminAddBody,
  parseAdminUpdateBody,
  parseBody,
} from '@qa-broker/contract';
import type { ActorRole, BodyResult } from '@qa-broker/contract';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { roleMismatchMessage } from './auth.js';
import type { RoleAuthenticator } from './auth.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { BrokerError } from './broker-error.js';
import { RequestAbortedError, parseJsonBody, readRawBody } from './body-reader.js';
import { sendError } from './error-response.js';
import type { TypedRoute } from './typed-route.js';

/** Default limit of admin bodies other than admin/add: a few short fields. */
export const SMALL_ADMIN_BODY_MAX_BYTES = 64 * 1024;

export interface BodyLimits {
  leaseBodyMaxBytes: number;
  payloadMaxBytes: number;
  /** Every admin route but admin/add and admin/update. */
  adminBodyMaxBytes: number;
}

type Access = 'lease' | 'admin';

interface RouteRule {
  path: string;
  access: Access;
  limit: (limits: BodyLimits) => number;
  parse: (body: unknown) => BodyResult<unknown>;
}

function schemaParser(schema: z.ZodTypeAny): (body: unknown) => BodyResult<unknown> {
  return (body) => parseBody(schema, body);
}

/** A lease route: CI or maintainer, a small body, parsed by its contract schema. */
function leaseRoute(path: string, schema: z.ZodTypeAny): RouteRule {
  return {
    path,
    access: 'lease',
    limit: (limits) => limits.leaseBodyMaxBytes,
    parse: schemaParser(schema),
  };
}

/** An admin route with a few short fields: maintainer only, the small admin body limit. */
function adminRoute(path: string, schema: z.ZodTypeAny): RouteRule {
  return {
    path,
    access: 'admin',
    limit: (limits) => limits.adminBodyMaxBytes,
    parse: schemaParser(schema),
  };
}

/** Each broker route: who may call it, how large its body may be, how it is parsed. */
export const ROUTE_RULES: readonly RouteRule[] = [
  leaseRoute(brokerContract.acquire.path, AcquireBodySchema),
  leaseRoute(brokerContract.heartbeat.path, HeartbeatBodySchema),
  leaseRoute(brokerContract.release.path, ReleaseBodySchema),
  leaseRoute(brokerContract.payloadChunk.path, PayloadChunkBodySchema),
  {
    path: brokerContract.admin.add.path,
    access: 'admin',
    limit: (limits) => limits.payloadMaxBytes,
    parse: parseAdminAddBody,
  },
  adminRoute(brokerContract.admin.remove.path, AdminRemoveBodySchema),
  adminRoute(brokerContract.admin.list.path, AdminListBodySchema),
  adminRoute(brokerContract.admin.events.path, AdminEventsBodySchema),
  adminRoute(brokerContract.admin.queue.path, AdminQueueBodySchema),
  adminRoute(brokerContract.admin.restore.path, AdminRestoreBodySchema),
  adminRoute(brokerContract.admin.quarantine.path, AdminQuarantineBodySchema),
  {
    path: brokerContract.admin.update.path,
    access: 'admin',
    limit: (limits) => limits.payloadMaxBytes,
    parse: parseAdminUpdateBody,
  },
  adminRoute(brokerContract.admin.policy.set.path, AdminPolicySetBodySchema),
  adminRoute(brokerContract.admin.policy.get.path, AdminPolicyGetBodySchema),
  adminRoute(brokerContract.admin.stats.path, AdminStatsBodySchema),
];

function unwrap<T>(result: BodyResult<T>): T {
  if (!result.ok) throw new BrokerError(result.code, result.message);
  return result.value;
}

function authenticate(
  rule: RouteRule,
  auth: RoleAuthenticator,
  limiter: AuthFailureLimiter | undefined,
  req: Request,
): ActorRole | undefined {
  // req.ip is the socket's address unless the app trusts proxies (then X-Forwarded-For's).
  const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const waitMs = limiter?.blockedForMs(address);
  if (waitMs !== undefined) {
    throw new BrokerError('RATE_LIMITED', undefined, { retryAfterMs: waitMs });
  }
  const authorization = req.headers.authorization;
  try {
    if (rule.access === 'lease') return auth.leaseRole(authorization);
    auth.requireMaintainer(authorization);
    return undefined;
  } catch (error) {
    if (error instanceof BrokerError && error.code === 'AUTH_INVALID')
      limiter?.recordFailure(address);
    throw error;
  }
}

/**
 * Everything the spec checks before the route's own work, in its order: auth, JSON,
 * object, actorRole, token role = actorRole, fields. Resolves to the parsed body.
 */
async function preflight(
  rule: RouteRule,
  auth: RoleAuthenticator,
  limiter: AuthFailureLimiter | undefined,
  limits: BodyLimits,
  req: Request,
): Promise<unknown> {
  const tokenRole = authenticate(rule, auth, limiter, req);

  const json = parseJsonBody(await readRawBody(req, rule.limit(limits)));

  if (tokenRole !== undefined) {
    const { actorRole } = unwrap(parseBody(LeaseActorSchema, json));
    if (actorRole !== tokenRole) {
      throw new BrokerError('AUTH_ROLE_MISMATCH', roleMismatchMessage(tokenRole, actorRole));
    }
  }
  return unwrap(rule.parse(json));
}

/**
 * One broker route end to end: the preflight, then the route's handler with the parsed
 * body, then its answer as JSON. Preflight failures are answered here; a handler's
 * failure goes to the app's error handler.
 */
export function routeMiddleware(
  rule: RouteRule,
  route: TypedRoute,
  auth: RoleAuthenticator,
  limiter: AuthFailureLimiter | undefined,
  limits: BodyLimits,
): RequestHandler {
  const answer = (req: Request, res: Response, next: NextFunction, body: unknown) => {
    route.serve(body, req, res).then(
      (result) => {
        res.status(result.status).json(result.body);
      },
      (error: unknown) => next(error),
    );
  };
  return (req: Request, res: Response, next: NextFunction) => {
    preflight(rule, auth, limiter, limits, req).then(
      (body) => answer(req, res, next, body),
      (error: unknown) => {
        if (error instanceof RequestAbortedError) return; // nobody is listening any more
        if (error instanceof BrokerError && error.code === 'PAYLOAD_TOO_LARGE') {
          // The rest of the body is never read: close the connection after answering.
          res.setHeader('connection', 'close');
        }
        sendError(res, error);
      },
    );
  };
}
