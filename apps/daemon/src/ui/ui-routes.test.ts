import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../app-env.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import { registerUiRoutes, UI_SECURITY_HEADERS } from './ui-routes.js';

const root = mkdtempSync(join(tmpdir(), 'canaryd-ui-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="/ui/app.js"></script>');
writeFileSync(join(root, 'app.js'), 'console.log("hi");');
writeFileSync(join(root, 'app.css'), 'body{}');
writeFileSync(join(root, 'notes.unknown'), 'not served');
mkdirSync(join(root, 'nested'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

function uiApp(dir: string | undefined) {
  const d = createTestDaemon();
  const app = new Hono<AppEnv>();
  registerUiRoutes(app, d.ctx, dir === undefined ? {} : { root: dir });
  return app;
}

function expectSecurityHeaders(res: Response) {
  for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
}

describe('the dashboard under /ui', () => {
  it('serves the page at /ui and /ui/ with the security headers', async () => {
    const app = uiApp(root);
    for (const path of ['/ui', '/ui/']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('/ui/app.js');
      expectSecurityHeaders(res);
    }
  });

  it('serves assets with their content type and answers 304 to a matching If-None-Match', async () => {
    const app = uiApp(root);
    const js = await app.request('/ui/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = js.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await app.request('/ui/app.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await app.request('/ui/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for files outside the build, of unknown types, or folders, with the headers still on', async () => {
    const app = uiApp(root);
    for (const path of ['/ui/missing.js', '/ui/notes.unknown', '/ui/nested', '/ui/..%2Fpackage.json']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expectSecurityHeaders(res);
    }
  });

  it('answers 503 with a hint when the dashboard is not built', async () => {
    const res = await uiApp(join(root, 'no-such-dir')).request('/ui');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('pnpm build');
    expectSecurityHeaders(res);
  });

  it('is open without a token in the real app', async () => {
    const d = createTestDaemon();
    const res = await d.request('/ui', { as: null });
    expect([200, 503]).toContain(res.status);
    expectSecurityHeaders(res);
  });
});
