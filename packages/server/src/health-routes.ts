import type { CredentialStore } from '@qa-broker/store';
import express from 'express';
import type { Router } from 'express';
import { sendError } from './error-response.js';

/**
 * Liveness and readiness at the root, outside the prefix and without auth:
 * `/healthz` says the process answers, `/readyz` that the store does too.
 */
export function healthRoutes(store: CredentialStore): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    store.ping().then(
      () => res.json({ status: 'ok' }),
      (error: unknown) => sendError(res, error),
    );
  });
  return router;
}
