import { pino } from 'pino';
import type { Logger } from 'pino';
import type { TextSink } from './text-sink.js';

/**
 * The logger `qa-broker-server serve` uses: JSON lines to `sink`, one write per line.
 * Nothing logs headers or bodies; the redaction is defence in depth in case anything ever
 * does, so no secret, token or payload leaves.
 */
export function createBrokerLogger(level: string, sink: TextSink): Logger {
  return pino(
    {
      level,
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
    { write: (line: string) => sink.write(line) },
  );
}
