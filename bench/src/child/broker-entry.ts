import { closeSync, openSync, writeSync } from 'node:fs';
import { createBrokerApp, createBrokerLogger } from '@qa-broker/server';
import { openStore } from '../stores/open-store.ts';
import { serveOnLoopback } from './serve-on-loopback.ts';
import { readBrokerChildConfig } from './broker-child-config.ts';

/*
 * The broker under test, in its own process and event loop: the real createBrokerApp over
 * the chosen store, auth on (both role secrets set), request validation on, and pino at
 * info writing one line per request to the configured file (/dev/null by default), so
 * the cost of serializing and writing every log line is measured.
 */
const config = readBrokerChildConfig(process.env);
const store = await openStore(config.target);
const logFd = openSync(config.logPath, 'a');
// `qa-broker-server serve`'s own logger, writing each line as its stdout would.
const logger = createBrokerLogger('info', { write: (line: string) => writeSync(logFd, line) });
const app = createBrokerApp({ store, secrets: config.secrets, logger });
await serveOnLoopback(app, async () => {
  await store.close();
  closeSync(logFd);
});
