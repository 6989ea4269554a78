import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';

/**
 * The dashboard's Content-Security-Policy: its own scripts, styles and API only; no inline script or style
 * element, no framing, no form posting anywhere (the token is never submitted, only sent by `fetch`).
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every `/ui` answer. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': UI_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** One file of the built dashboard, held in memory (the whole build is a few hundred kilobytes). */
interface Asset {
  readonly body: Uint8Array;
  readonly type: string;
  readonly etag: string;
}

/** Options of {@link registerUiRoutes}. */
export interface UiRouteOptions {
  /** The built dashboard folder; default: `@prompt-canary/dashboard`'s `dist/`. */
  root?: string;
}

/**
 * Where the built dashboard is: the `dist/` folder of `@prompt-canary/dashboard` when that package is installed (the
 * workspace), else the copy a packed canaryd carries in `dist/dashboard` (`scripts/bundle-dashboard.mjs`), else
 * `undefined`.
 */
export function dashboardRoot(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@prompt-canary/dashboard/package.json');
    return join(dirname(manifest), 'dist');
  } catch {
    const bundled = fileURLToPath(new URL('../dashboard/', import.meta.url));
    return existsSync(bundled) ? bundled : undefined;
  }
}

/** Reads the flat build folder into memory; an empty map when it is missing. */
function loadAssets(root: string | undefined): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!root || !existsSync(root)) return assets;
  for (const name of readdirSync(root)) {
    const type = TYPES[extname(name)];
    const path = join(root, name);
    if (!type || !statSync(path).isFile()) continue;
    const body = readFileSync(path);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { body, type, etag });
  }
  return assets;
}

function withSecurityHeaders(c: Context<AppEnv>): void {
  for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) c.header(name, value);
}

function serve(c: Context<AppEnv>, asset: Asset): Response {
  withSecurityHeaders(c);
  c.header('ETag', asset.etag);
  // Asset names carry no content hash, so browsers revalidate (a cheap 304) rather than cache blindly.
  c.header('Cache-Control', 'no-cache');
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
  c.header('Content-Type', asset.type);
  return c.body(asset.body as Uint8Array<ArrayBuffer>, 200);
}

/**
 * Serves the built dashboard under `/ui` (`/ui` and `/ui/` are its page; `/ui/<file>` its assets), open without a
 * token as API.md says: the page holds no data, it signs in and then calls the API with the token. Every answer
 * carries {@link UI_SECURITY_HEADERS}. Without a build, `/ui` answers 503 saying how to make one.
 */
export function registerUiRoutes(app: Hono<AppEnv>, ctx: AppContext, options: UiRouteOptions = {}): void {
  const root = options.root ?? dashboardRoot();
  // Read on first use: most daemons built in tests never serve the dashboard.
  let assets: Map<string, Asset> | undefined;
  const load = (): Map<string, Asset> => {
    if (!assets) {
      assets = loadAssets(root);
      if (!assets.has('index.html')) {
        ctx.logger.warn({ root }, 'dashboard assets not found: /ui answers 503 (run pnpm build)');
      }
    }
    return assets;
  };

  const page = (c: Context<AppEnv>) => {
    const index = load().get('index.html');
    if (index) return serve(c, index);
    withSecurityHeaders(c);
    return c.text('The dashboard is not built: run `pnpm build`.', 503);
  };
  app.get('/ui', page);
  app.get('/ui/', page);
  app.get('/ui/:file', (c) => {
    const asset = load().get(c.req.param('file'));
    if (asset) return serve(c, asset);
    withSecurityHeaders(c);
    return c.text('Not found', 404);
  });
}
