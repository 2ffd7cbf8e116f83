import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { BrokerMetrics } from './metrics.js';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Unknown paths are logged too; a hostile one must not flood the log. */
const MAX_ROUTE_CHARS = 200;

interface RequestLine {
  requestId: string;
  method: string;
  route: string;
  status: number | undefined;
  code?: string;
  aborted?: true;
  latencyMs?: number;
}

/**
 * What every request goes through first: an `x-request-id` (a well-formed incoming one is
 * kept so a caller can correlate), `cache-control: no-store`, and when it ends one log
 * line (id, method, route, status, error code, latency; never a header value or a body)
 * plus its metrics. One listener closure per request serves both the log and the metrics.
 */
export function observeRequests(logger: Logger, metrics: BrokerMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');
    let done = false;
    const onEnd = () => {
      if (done) return;
      done = true;
      const elapsedNs = Number(process.hrtime.bigint() - started);
      // The full path (routers strip their mount point from req.path), never the query.
      const url = req.originalUrl;
      const queryAt = url.indexOf('?');
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      const errorCode: unknown = res.locals.errorCode;
      const code = typeof errorCode === 'string' ? errorCode : undefined;
      const finished = res.writableFinished;
      if (finished) metrics.observeRequest(path, res.statusCode, code ?? '', elapsedNs / 1e9);
      const line: RequestLine = {
        requestId,
        method: req.method,
        route: path.length > MAX_ROUTE_CHARS ? path.slice(0, MAX_ROUTE_CHARS) : path,
        status: finished ? res.statusCode : undefined,
      };
      if (code !== undefined) line.code = code;
      if (!finished) line.aborted = true;
      line.latencyMs = Math.round(elapsedNs / 1e4) / 100;
      logger.info(line, 'request');
    };
    res.on('finish', onEnd);
    res.on('close', onEnd);
    next();
  };
}
