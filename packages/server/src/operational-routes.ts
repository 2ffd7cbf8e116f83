import type { CredentialStore } from '@qa-broker/store';
import express from 'express';
import type { Router } from 'express';
import { sendError } from './error-response.js';
import type { BrokerMetrics } from './metrics.js';

/**
 * Operational routes at the root, outside the prefix and without auth: `/healthz` says
 * the process answers, `/readyz` that the store does too, `/metrics` is Prometheus text,
 * `/openapi.json` describes the v1 routes.
 */
export function operationalRoutes(options: {
  store: CredentialStore;
  metrics: BrokerMetrics;
  openApi: () => unknown;
}): Router {
  const { store, metrics, openApi } = options;
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
  router.get('/metrics', (_req, res) => {
    metrics.registry.metrics().then(
      (text) => res.type(metrics.registry.contentType).send(text),
      (error: unknown) => sendError(res, error),
    );
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApi());
  });
  return router;
}
