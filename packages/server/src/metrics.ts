import type { CredentialStore } from '@qa-broker/store';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one app: its own registry (several apps in one process never
 * collide), request counts and latencies by route, and the pools as the store sees them
 * at scrape time.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'status' | 'code'>;
  readonly #latency: Histogram<'route'>;
  readonly #knownRoutes: ReadonlySet<string>;

  constructor(store: CredentialStore, knownRoutes: Iterable<string>) {
    this.#knownRoutes = new Set(knownRoutes);
    this.#requests = new Counter({
      name: 'qa_broker_http_requests_total',
      help: 'HTTP requests answered, by route, status and error code.',
      labelNames: ['route', 'status', 'code'],
      registers: [this.registry],
    });
    this.#latency = new Histogram({
      name: 'qa_broker_http_request_duration_seconds',
      help: 'Time from request to response, by route.',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'qa_broker_pool_credentials',
      help: 'Credentials per kind and state (free, leased, disabled), read from the store at scrape.',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const pool of await store.poolStats()) {
          this.set({ kind: pool.kind, state: 'free' }, pool.free);
          this.set({ kind: pool.kind, state: 'leased' }, pool.leased);
          this.set({ kind: pool.kind, state: 'disabled' }, pool.disabled);
        }
      },
    });
  }

  /** Counts every answered request; unknown paths share one label so cardinality stays bounded. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const path = req.originalUrl.split('?', 1)[0] ?? '';
        const route = this.#knownRoutes.has(path) ? path : 'unmatched';
        const code: unknown = res.locals.errorCode;
        this.#requests.inc({
          route,
          status: String(res.statusCode),
          code: typeof code === 'string' ? code : '',
        });
        this.#latency.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    };
  }
}
