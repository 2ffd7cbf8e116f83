import {
  DEFAULT_ENDPOINT_PREFIX,
  DEFAULT_LEASE_BOUNDS,
  POLICY,
  WAIT_POLICY,
} from '@qa-broker/contract';
import type { LeaseBounds } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import express from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { RoleAuthenticator } from './auth.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import type { AuthFailureLimit } from './auth-failure-limiter.js';
import type { RoleSecrets } from './auth.js';
import type { BrokerDeps } from './broker-deps.js';
import { BrokerError } from './broker-error.js';
import { sendError, toBrokerError } from './error-response.js';
import { PayloadCodec } from './payload-codec.js';
import type { PieceCipher } from './payload-codec.js';
import { ROUTE_RULES, SMALL_ADMIN_BODY_MAX_BYTES } from './preflight.js';
import { brokerRoutes } from './broker-routes.js';
import { DEFAULT_STORE_TIMEOUT_MS, guardStore } from './guarded-store.js';
import { observeRequests } from './request-log.js';
import { describeError } from './describe-error.js';
import { operationalRoutes } from './operational-routes.js';
import { BrokerMetrics } from './metrics.js';
import { brokerOpenApi } from './openapi.js';
import { WaitRoom } from './queue/wait-room.js';
import { defaultDashboardDir } from './dashboard-location.js';
import { DASHBOARD_PATH, dashboardRoutes } from './dashboard-routes.js';

export interface BrokerAppOptions {
  store: CredentialStore;
  secrets: RoleSecrets;
  /** Where the v1 routes live; default `/qa-credentials/v1`. */
  endpointPrefix?: string;
  /** Lease TTL and heartbeat interval bounds; default the spec's. */
  leaseBounds?: LeaseBounds;
  /** admin/add body limit in bytes; default 64 MiB. */
  payloadMaxBytes?: number;
  /** Lease-route body limit in bytes; default 64 KiB. */
  leaseBodyMaxBytes?: number;
  /** Body limit of admin/remove, admin/list and admin/events in bytes; default 64 KiB. */
  adminBodyMaxBytes?: number;
  /**
   * Longest one store call may take before the request is answered 503 STORE_UNAVAILABLE;
   * default 8000 ms (above the adapters' own timeouts, so theirs normally fire first).
   */
  storeTimeoutMs?: number;
  /**
   * How many proxies in front of the broker to trust for `X-Forwarded-For` when telling
   * clients apart (the failed-auth limit); default 0: the socket's address, header ignored.
   */
  trustProxyHops?: number;
  /** Seals stored payload pieces (encryption at rest); default keeps them as they are. */
  payloadCipher?: PieceCipher;
  /**
   * Refuse an address with 429 RATE_LIMITED for the rest of a window once it sent this many
   * wrong tokens in it; default off here (`serve` turns it on: 30 per minute).
   */
  authFailureLimit?: AuthFailureLimit;
  /** Live ticket waiters one kind may hold before new tickets get QUEUE_FULL; default 10,000. */
  queueMax?: number;
  /** How often parked requests are renewed and re-read in the store; default 500 ms. */
  reconcileIntervalMs?: number;
  /** Request and error log; default silent. */
  logger?: Logger;
  /**
   * The dashboard's built files (served at GET /dashboard); default the installed
   * @qa-broker/dashboard package's dist directory. `false` serves no dashboard.
   */
  dashboardDir?: string | false;
}

/** What the owner of an app stops at shutdown, besides its HTTP server. */
export interface BrokerAppControls {
  /** Answers every parked acquire with its waiting answer now (SIGTERM: clients re-ask elsewhere). */
  drain(): void;
  /** Drains, then stops the queue's ticks and wake-up subscription. */
  close(): Promise<void>;
  /** Acquire requests parked in the queue right now. */
  parkedRequests(): number;
}

const CONTROLS = Symbol('qa-broker app controls');

/** The shutdown controls of an app made by `createBrokerApp`. */
export function brokerAppControls(app: Express): BrokerAppControls {
  const controls = (app as unknown as Record<symbol, BrokerAppControls | undefined>)[CONTROLS];
  if (!controls) throw new Error('This Express app was not made by createBrokerApp.');
  return controls;
}

/**
 * Builds the broker's Express app. It never listens and never reads the environment:
 * the caller owns the server, the store and the configuration.
 */
export function createBrokerApp(options: BrokerAppOptions): Express {
  const logger = options.logger ?? pino({ level: 'silent' });
  const prefix = options.endpointPrefix ?? DEFAULT_ENDPOINT_PREFIX;
  const store = guardStore(options.store, {
    timeoutMs: options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS,
    onError: (code) => metrics.storeError(code),
  });
  const metrics = new BrokerMetrics(store, [
    ...ROUTE_RULES.map((rule) => prefix + rule.path),
    '/healthz',
    '/readyz',
    '/metrics',
    '/openapi.json',
    DASHBOARD_PATH,
  ]);
  const waitRoom = new WaitRoom({
    store,
    logger,
    ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
  });
  const deps: BrokerDeps = {
    store,
    codec: new PayloadCodec(options.payloadCipher),
    leaseBounds: options.leaseBounds ?? DEFAULT_LEASE_BOUNDS,
    logger,
    metrics,
    waitRoom,
    queueMax: options.queueMax ?? WAIT_POLICY.queueMax,
  };
  const auth = new RoleAuthenticator(options.secrets);
  const limiter = options.authFailureLimit
    ? new AuthFailureLimiter(options.authFailureLimit)
    : undefined;
  const limits = {
    leaseBodyMaxBytes: options.leaseBodyMaxBytes ?? POLICY.leaseBodyMaxBytes,
    payloadMaxBytes: options.payloadMaxBytes ?? POLICY.payloadMaxBytes,
    adminBodyMaxBytes: options.adminBodyMaxBytes ?? SMALL_ADMIN_BODY_MAX_BYTES,
  };

  const app = express();
  app.disable('x-powered-by');
  // Hashing every answer (a listed payload can be megabytes) buys nothing for POSTs.
  app.set('etag', false);
  // Only with proxies configured does req.ip come from X-Forwarded-For (else anyone could
  // pick their own address and dodge the failed-auth limit).
  app.set('trust proxy', options.trustProxyHops ?? 0);
  app.use(observeRequests(logger, metrics));
  // The v1 routes only take POST, which none of the middleware below serves, so they come
  // first: the hot path skips the operational routes' matching.
  app.use(prefix, brokerRoutes(deps, auth, limiter, limits));
  // Express answers OPTIONS by itself in text/plain; the broker has no CORS, so it is
  // just a method no route serves.
  app.use((req, res, next) => {
    if (req.method === 'OPTIONS') sendError(res, new BrokerError('NOT_FOUND'));
    else next();
  });
  let openApi: unknown;
  app.use(
    operationalRoutes({
      store,
      metrics,
      // Built on first use: most brokers are never asked for it.
      openApi: () => (openApi ??= brokerOpenApi(prefix)),
    }),
  );

  if (options.dashboardDir !== false) {
    app.use(
      dashboardRoutes({
        dir: options.dashboardDir ?? defaultDashboardDir(),
        endpointPrefix: prefix,
      }),
    );
  }

  app.use((_req, res) => sendError(res, new BrokerError('NOT_FOUND')));
  const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const brokerError = toBrokerError(error);
    if (
      brokerError.code === 'INTERNAL_ERROR' ||
      brokerError.code === 'STORE_UNAVAILABLE' ||
      brokerError.code === 'PAYLOAD_UNREADABLE'
    ) {
      logger.error(
        { code: brokerError.code, cause: describeError(brokerError.cause ?? error) },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, brokerError);
  };
  app.use(errorHandler);
  const controls: BrokerAppControls = {
    drain: () => waitRoom.drain(),
    close: () => waitRoom.close(),
    parkedRequests: () => waitRoom.parkedCount,
  };
  Object.defineProperty(app, CONTROLS, { value: controls });
  return app;
}
