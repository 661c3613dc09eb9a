// Serves the dashboard (web/, bundled by Vite into dist/web): its page at `/`, its icon, its styles and scripts under /dashboard, with a strict CSP.
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Response, type Router } from 'express';

const ROOT = new URL('../../../', import.meta.url); // dist/src/api -> the project folder
const BUNDLE_DIR = fileURLToPath(new URL('dist/web/', ROOT));

/** Same-origin scripts, styles and API calls only; thumbnails arrive as data: URLs, exported plots are drawn from blob: URLs; inline style attributes colour the heatmap. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/**
 * The dashboard's file errors (missing file, a path outside the folder, malformed percent-encoding) as a status and one
 * fixed word: Express's own error page would show the stack trace and the absolute path.
 */
const fileErrors: ErrorRequestHandler = (error: { status?: number; statusCode?: number }, _req, res, _next) => {
  const status = error.status ?? error.statusCode ?? 500;
  const known = status === 400 || status === 403 || status === 404;
  secure(res);
  res
    .status(known ? status : 500)
    .type('text/plain')
    .send(status === 404 ? 'not found' : status === 403 ? 'forbidden' : known ? 'bad request' : 'internal server error');
};

export function dashboardRoutes(): Router {
  const router = express.Router();
  router.get(['/', '/index.html'], (_req, res) => {
    secure(res);
    res.sendFile('index.html', { root: BUNDLE_DIR });
  });
  // The page links /favicon.svg; /favicon.ico is what browsers and tools ask for without a link.
  router.get(['/favicon.svg', '/favicon.ico'], (_req, res) => {
    secure(res);
    res.type('image/svg+xml').sendFile('favicon.svg', { root: BUNDLE_DIR });
  });
  router.use('/dashboard', express.static(BUNDLE_DIR, { index: false, fallthrough: false, setHeaders: secure }));
  router.use(fileErrors);
  return router;
}
