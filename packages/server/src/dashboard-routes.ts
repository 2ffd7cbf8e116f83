import { readFile } from 'node:fs/promises';
import path from 'node:path';
import express from 'express';
import type { RequestHandler, Response } from 'express';
import { BrokerError } from './broker-error.js';
import { sendError } from './error-response.js';

export const DASHBOARD_PATH = '/dashboard';

/**
 * Spec additions, section 4: scripts only from our origin (no inline script, no eval),
 * never framed. Styles too come from the built file; Preact sets styles through the CSSOM,
 * which CSP does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The element of index.html that tells the page where the v1 routes live. */
const PREFIX_META = /<meta name="qa-broker-endpoint-prefix" content="[^"]*"\s*\/?>/;

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function setSecurityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

/**
 * GET /dashboard (outside the prefix, no auth: the page signs in itself) serves the
 * dashboard package's built files from `dir`. Every answer under /dashboard, errors
 * included, carries the security headers. The page is static; the only thing written
 * into it is the endpoint prefix, HTML-escaped, in a meta element (no inline script).
 */
export function dashboardRoutes(options: {
  /** The dashboard package's dist directory; undefined when it is not installed. */
  dir: string | undefined;
  endpointPrefix: string;
}): RequestHandler {
  const { dir, endpointPrefix } = options;
  const assets = dir === undefined ? undefined : express.static(dir, { index: false });
  let page: Promise<string> | undefined;
  const loadPage = (root: string) =>
    (page ??= readFile(path.join(root, 'index.html'), 'utf8').then((html) =>
      html.replace(
        PREFIX_META,
        `<meta name="qa-broker-endpoint-prefix" content="${escapeAttribute(endpointPrefix)}">`,
      ),
    ));
  const notBuilt = new BrokerError(
    'NOT_FOUND',
    'The dashboard is not built: run `pnpm build` (or `pnpm start`) from the repository root.',
  );

  return (req, res, next) => {
    const inside = req.path === DASHBOARD_PATH || req.path.startsWith(`${DASHBOARD_PATH}/`);
    if (!inside) return next();
    setSecurityHeaders(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (dir === undefined || assets === undefined) return sendError(res, notBuilt);
    if (req.path === DASHBOARD_PATH || req.path === `${DASHBOARD_PATH}/`) {
      if (req.path !== DASHBOARD_PATH) return res.redirect(308, DASHBOARD_PATH);
      loadPage(dir).then(
        (html) => {
          res.setHeader('Cache-Control', 'no-store');
          res.type('html').send(html);
        },
        () => {
          page = undefined;
          sendError(res, notBuilt);
        },
      );
      return;
    }
    // index.html is only ever served at /dashboard, with the prefix filled in.
    if (req.path === `${DASHBOARD_PATH}/index.html`) return next();
    const originalUrl = req.url;
    req.url = req.url.slice(DASHBOARD_PATH.length);
    void assets(req, res, () => {
      req.url = originalUrl;
      next();
    });
  };
}
