import pg from 'pg';

export interface WakeListenerOptions {
  clientConfig: pg.ClientConfig;
  /** Shown in pg_stat_activity (application_name), e.g. `qa-broker-wakeups <schema>`. */
  applicationName: string;
  /** How often the idle connection is checked with `select 1` (default 5,000 ms). */
  heartbeatIntervalMs?: number;
  /** How long that check may take before the connection is dropped (default 3,000 ms). */
  heartbeatTimeoutMs?: number;
  onNotification: (channel: string, payload: string) => void;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * One dedicated connection, outside the pool, that LISTENs on the channels of the brokers
 * subscribed through this store and does nothing else. A silent drop is found by the
 * heartbeat; any failure reconnects with exponential backoff and LISTENs again. Lost
 * notifications are fine: brokers also tick.
 */
export class WakeListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly channels = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs = MIN_BACKOFF_MS;
  private closed = false;

  constructor(private readonly options: WakeListenerOptions) {}

  /** Resolves once the channel is LISTENed to, or once the first attempt has failed. */
  async listen(channel: string): Promise<void> {
    this.channels.add(channel);
    await this.connect();
    const client = this.client;
    if (client) await client.query(`listen "${channel}"`).catch(() => this.drop(client));
  }

  async unlisten(channel: string): Promise<void> {
    this.channels.delete(channel);
    const client = this.client;
    if (client) await client.query(`unlisten "${channel}"`).catch(() => this.drop(client));
  }

  /** Whether the connection is up and listening (for tests and health). */
  get connected(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({
      ...this.options.clientConfig,
      application_name: this.options.applicationName.slice(0, 63),
      keepAlive: true,
    });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    client.on('notification', (message) => {
      this.options.onNotification(message.channel, message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`listen "${channel}"`);
    } catch {
      this.drop(client);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = MIN_BACKOFF_MS;
    this.startHeartbeat(client);
  }

  private startHeartbeat(client: pg.Client): void {
    clearInterval(this.heartbeat);
    const timeoutMs = this.options.heartbeatTimeoutMs ?? 3_000;
    this.heartbeat = setInterval(() => {
      client
        .query({ text: 'select 1', query_timeout: timeoutMs } as pg.QueryConfig)
        .catch(() => this.drop(client));
    }, this.options.heartbeatIntervalMs ?? 5_000);
    this.heartbeat.unref();
  }

  /** Forgets a failed connection and schedules the next attempt. */
  private drop(client: pg.Client): void {
    if (this.client === client) {
      this.client = undefined;
      clearInterval(this.heartbeat);
    }
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.closed || this.retry || this.client) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, delay);
    this.retry.unref();
  }
}
