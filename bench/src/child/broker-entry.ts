import { createBrokerApp } from '@qa-broker/server';
import { openStore } from '../stores/open-store.ts';
import { loadPino } from '../stores/borrowed-deps.ts';
import { serveOnLoopback } from './serve-on-loopback.ts';
import { readBrokerChildConfig } from './broker-child-config.ts';

type BrokerLogger = NonNullable<Parameters<typeof createBrokerApp>[0]['logger']>;

/*
 * The broker under test, in its own process and event loop: the real createBrokerApp over
 * the chosen store, auth on (both role secrets set), request validation on, and pino at
 * info writing one line per request to the configured file (/dev/null by default), so
 * the cost of serializing every log line is measured.
 */
const config = readBrokerChildConfig(process.env);
const store = await openStore(config.target);
const pino = loadPino();
const logger = pino(
  { level: 'info' },
  pino.destination({ dest: config.logPath, sync: false }),
) as BrokerLogger;
const app = createBrokerApp({ store, secrets: config.secrets, logger });
await serveOnLoopback(app, () => store.close());
