import { closeSync, openSync, writeSync } from 'node:fs';
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
 * the cost of serializing and writing every log line is measured.
 */
const config = readBrokerChildConfig(process.env);
const store = await openStore(config.target);
const pino = loadPino();
const logFd = openSync(config.logPath, 'a');
// The options of `qa-broker-server serve`'s logger (packages/server/src/cli.ts makeLogger,
// not exported): same base and redaction, one synchronous write per line, as its stdout
// (a file or a pipe on Linux) does.
const logger = pino(
  {
    level: 'info',
    base: { service: 'qa-broker-server' },
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.authorization',
        '*.leaseToken',
        '*.payload',
      ],
      censor: '[redacted]',
    },
  },
  { write: (line: string) => writeSync(logFd, line) },
) as BrokerLogger;
const app = createBrokerApp({ store, secrets: config.secrets, logger });
await serveOnLoopback(app, async () => {
  await store.close();
  closeSync(logFd);
});
