import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { POLICY } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import type { Logger } from 'pino';
import { brokerAppControls, createBrokerApp } from './app.js';
import { DEFAULT_HTTP_TIMEOUTS } from './config.js';
import type { ServeConfig } from './config.js';
import { describeError } from './describe-error.js';
import { Keyring } from './encryption/keyring.js';
import { keyringCipher } from './encryption/keyring-cipher.js';
import { openStore } from './open-store.js';
import { startRetentionSweep } from './retention-sweep.js';
import { describeStoreLocation } from './store-location.js';
import type { TextSink } from './text-sink.js';

/** The default HTTP timeouts (configurable: see DEFAULT_HTTP_TIMEOUTS in config.ts). */
const CONNECTIONS_CHECK_MS = 1_000;
export const HEADERS_TIMEOUT_MS = DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs;
export const REQUEST_TIMEOUT_MS = DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs;
export const KEEP_ALIVE_TIMEOUT_MS = DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs;
/** How long shutdown waits for in-flight requests before cutting connections. */
export const DRAIN_TIMEOUT_MS = 10_000;
const RETENTION_BATCH_SIZE = 1_000;

export interface RunningBroker {
  /** Where it listens, e.g. `http://127.0.0.1:8787`. */
  url: string;
  server: Server;
  store: CredentialStore;
  /** Stops accepting, drains in-flight requests (bounded), closes the store. */
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** How often shutdown closes connections that went idle since it started. */
const DRAIN_POLL_MS = 50;

/**
 * Stops accepting, lets in-flight requests finish, and closes each keep-alive connection
 * as soon as it goes idle (Node closes only those idle at the moment `close` is called);
 * after `drainTimeoutMs` whatever is left is cut.
 */
async function drain(server: Server, drainTimeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const poll = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
  const deadline = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
  poll.unref();
  deadline.unref();
  await closed;
  clearInterval(poll);
  clearTimeout(deadline);
}

async function warnIfNotDurable(
  durability: () => Promise<{ appendOnly: boolean | 'unknown' }>,
  stderr: TextSink,
  logger: Logger,
): Promise<void> {
  const { appendOnly } = await durability();
  if (appendOnly === true) return;
  const why =
    appendOnly === false
      ? 'Redis runs without AOF (appendonly no)'
      : 'could not read Redis "appendonly" (CONFIG GET is not allowed)';
  stderr.write(
    `WARNING: ${why}: leases and credentials can be lost on a Redis restart. Run Redis with "appendonly yes".\n`,
  );
  logger.warn({ appendOnly }, 'redis persistence is not confirmed');
}

/** The composition root: store → (migrate) → app → listen. */
export async function startBroker(
  config: ServeConfig,
  io: { stderr: TextSink; logger: Logger; drainTimeoutMs?: number },
): Promise<RunningBroker> {
  const { logger, stderr } = io;
  const opened = await openStore(config.store, { migrate: true, notify: config.storeNotify });
  const { store } = opened;
  try {
    if (opened.durability) await warnIfNotDurable(opened.durability, stderr, logger);
    const keyring = config.encryptionKeys ? new Keyring(config.encryptionKeys) : undefined;
    if (keyring) {
      logger.info(
        { currentKeyId: keyring.currentKeyId, keyIds: keyring.keyIds },
        'payloads are encrypted at rest',
      );
    } else {
      stderr.write(
        'WARNING: QA_BROKER_ENCRYPTION_KEYS is not set: payloads are stored unencrypted. ' +
          'Set it to id:base64key (openssl rand -base64 32) to encrypt them at rest.\n',
      );
      logger.warn('payloads are stored unencrypted');
    }
    const app = createBrokerApp({
      store,
      secrets: config.secrets,
      endpointPrefix: config.endpointPrefix,
      leaseBounds: config.leaseBounds,
      payloadMaxBytes: config.payloadMaxBytes,
      leaseBodyMaxBytes: config.leaseBodyMaxBytes,
      adminBodyMaxBytes: config.adminBodyMaxBytes,
      storeTimeoutMs: config.storeTimeoutMs,
      trustProxyHops: config.trustProxyHops,
      queueMax: config.queueMax,
      ...(config.authFailureLimit ? { authFailureLimit: config.authFailureLimit } : {}),
      ...(keyring
        ? {
            payloadCipher: keyringCipher(keyring, {
              requireEncryption: config.requireEncryption,
            }),
          }
        : {}),
      logger,
    });
    // Node checks header/request deadlines only every connectionsCheckingInterval (30 s by
    // default), so a slow client would hold its socket up to 30 s past its deadline.
    const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, app);
    server.headersTimeout = config.httpTimeouts.headersTimeoutMs;
    server.requestTimeout = config.httpTimeouts.requestTimeoutMs;
    server.keepAliveTimeout = config.httpTimeouts.keepAliveTimeoutMs;
    const address = await listen(server, config.port, config.host);
    const url = urlOf(address);
    const stopSweep = startRetentionSweep(store, {
      intervalMs: POLICY.retentionSweepIntervalMs,
      batchSize: RETENTION_BATCH_SIZE,
      logger,
    });
    logger.info(
      { url, store: describeStoreLocation(config.store), prefix: config.endpointPrefix },
      'listening',
    );

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        // Parked acquires get their waiting answer first, so their clients re-ask another
        // broker instead of holding this one's drain open.
        const controls = brokerAppControls(app);
        controls.drain();
        await drain(server, io.drainTimeoutMs ?? DRAIN_TIMEOUT_MS);
        await controls.close();
        await stopSweep();
        await store.close();
        logger.info('stopped');
      })();
      return closing;
    };
    return { url, server, store, close };
  } catch (error) {
    await store.close().catch((closeError: unknown) => {
      logger.warn(
        { err: describeError(closeError) },
        'closing the store after a failed start failed',
      );
    });
    throw error;
  }
}
