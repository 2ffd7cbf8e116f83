import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Unknown paths are logged too; a hostile one must not flood the log. */
const MAX_ROUTE_CHARS = 200;

/**
 * One log line per request: id, method, route, status, error code, latency. Never a
 * header value or a body. A well-formed incoming `x-request-id` is kept so a caller can
 * correlate; it is echoed back either way.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      const code: unknown = res.locals.errorCode;
      logger.info(
        {
          requestId,
          method: req.method,
          // The full path (routers strip their mount point from req.path), never the query.
          route: req.originalUrl.split('?', 1)[0]?.slice(0, MAX_ROUTE_CHARS),
          status: res.writableFinished ? res.statusCode : undefined,
          ...(typeof code === 'string' ? { code } : {}),
          ...(res.writableFinished ? {} : { aborted: true }),
          latencyMs: Math.round(latencyMs * 100) / 100,
        },
        'request',
      );
    };
    res.on('finish', log);
    res.on('close', log);
    next();
  };
}
