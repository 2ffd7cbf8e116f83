import type { CredentialStore, GrantedLease } from '@qa-broker/store';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Kinds get their own label value up to this many; past it they share `other`. Acquire
 * takes any kind a CI token sends, so without a cap a caller could grow the series without
 * bound.
 */
export const MAX_KIND_LABELS = 200;
export const OTHER_KIND_LABEL = 'other';

/**
 * Prometheus metrics of one app: its own registry (several apps in one process never
 * collide), requests by route and code, grants and exhausted answers by kind, store
 * errors by code, and the pools as the store sees them at scrape time.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'status' | 'code'>;
  readonly #latency: Histogram<'route' | 'code'>;
  readonly #grants: Counter<'kind'>;
  readonly #exhausted: Counter<'kind'>;
  readonly #waiting: Counter<'kind'>;
  readonly #waitTime: Histogram;
  readonly #handoff: Histogram;
  readonly #storeErrors: Counter<'code'>;
  readonly #knownRoutes: ReadonlySet<string>;
  readonly #kindLabels = new Set<string>();
  readonly #requestChildren = new Map<
    string,
    {
      requests: Counter.Internal;
      latency: Histogram.Internal<'route' | 'code'>;
    }
  >();

  constructor(store: CredentialStore, knownRoutes: Iterable<string>) {
    this.#knownRoutes = new Set(knownRoutes);
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'qa_broker_http_requests_total',
      help: 'HTTP requests answered, by route, status and error code.',
      labelNames: ['route', 'status', 'code'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'qa_broker_http_request_duration_seconds',
      help: 'Time from request to response, by route and error code ("" = success).',
      labelNames: ['route', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#grants = new Counter({
      name: 'qa_broker_grants_total',
      help: `Leases granted, by kind (past ${MAX_KIND_LABELS} kinds: "${OTHER_KIND_LABEL}").`,
      labelNames: ['kind'],
      registers,
    });
    this.#exhausted = new Counter({
      name: 'qa_broker_pool_exhausted_total',
      help: `Acquires answered POOL_EXHAUSTED, by kind (past ${MAX_KIND_LABELS} kinds: "${OTHER_KIND_LABEL}").`,
      labelNames: ['kind'],
      registers,
    });
    this.#waiting = new Counter({
      name: 'qa_broker_acquire_waiting_total',
      help: `Queued acquires answered "still waiting" (POOL_EXHAUSTED with waiting: true), by kind (past ${MAX_KIND_LABELS} kinds: "${OTHER_KIND_LABEL}").`,
      labelNames: ['kind'],
      registers,
    });
    this.#waitTime = new Histogram({
      name: 'qa_broker_queue_wait_seconds',
      help: "Queued grants: from the ticket's first request to its grant (store clock).",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.#handoff = new Histogram({
      name: 'qa_broker_queue_handoff_seconds',
      help: 'Queued grants: from the grant inside the store (the release, expiry or add that freed the credential) to its delivery to the waiter (store clock).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.#storeErrors = new Counter({
      name: 'qa_broker_store_errors_total',
      help: 'Failed store calls, by code (STORE_UNAVAILABLE includes timeouts).',
      labelNames: ['code'],
      registers,
    });
    new Gauge({
      name: 'qa_broker_pool_credentials',
      help: 'Credentials per kind and state (free, leased, quarantined, disabled), and live waiters (state "waiting"), read from the store at scrape.',
      labelNames: ['kind', 'state'],
      registers,
      async collect() {
        this.reset();
        let pools;
        try {
          pools = await store.poolStats();
        } catch {
          // The scrape still answers with everything else; the guarded store counted
          // the failure in qa_broker_store_errors_total.
          return;
        }
        for (const pool of pools) {
          this.set({ kind: pool.kind, state: 'free' }, pool.free);
          this.set({ kind: pool.kind, state: 'leased' }, pool.leased);
          this.set({ kind: pool.kind, state: 'disabled' }, pool.disabled);
          this.set({ kind: pool.kind, state: 'quarantined' }, pool.quarantined);
          this.set({ kind: pool.kind, state: 'waiting' }, pool.waiting);
        }
      },
    });
  }

  #kindLabel(kind: string): string {
    if (this.#kindLabels.has(kind)) return kind;
    if (this.#kindLabels.size >= MAX_KIND_LABELS) return OTHER_KIND_LABEL;
    this.#kindLabels.add(kind);
    return kind;
  }

  /** `leaseTtlMs` dates a queued grant's delivery: its expiry is delivery time + TTL. */
  grant(kind: string, lease?: GrantedLease, leaseTtlMs?: number): void {
    this.#grants.inc({ kind: this.#kindLabel(kind) });
    if (lease?.waitedMs === undefined || lease.sealedToken !== undefined) return;
    this.#waitTime.observe(lease.waitedMs / 1000);
    if (leaseTtlMs !== undefined && lease.waitedMs > 0) {
      const handoffMs = lease.expiresAtMs - leaseTtlMs - lease.acquiredAtMs;
      this.#handoff.observe(Math.max(0, handoffMs) / 1000);
    }
  }

  waiting(kind: string): void {
    this.#waiting.inc({ kind: this.#kindLabel(kind) });
  }

  exhausted(kind: string): void {
    this.#exhausted.inc({ kind: this.#kindLabel(kind) });
  }

  storeError(code: string): void {
    this.#storeErrors.inc({ code });
  }

  /**
   * Counts one answered request. `path` is the full path without the query; unknown paths
   * share one label so cardinality stays bounded. Label children are made once per label
   * set (routes, statuses and codes are all finite) instead of hashing labels per request.
   */
  observeRequest(path: string, status: number, code: string, seconds: number): void {
    const route = this.#knownRoutes.has(path) ? path : 'unmatched';
    const key = `${route} ${status} ${code}`;
    let children = this.#requestChildren.get(key);
    if (children === undefined) {
      children = {
        requests: this.#requests.labels(route, String(status), code),
        latency: this.#latency.labels(route, code),
      };
      this.#requestChildren.set(key, children);
    }
    children.requests.inc();
    children.latency.observe(seconds);
  }
}
