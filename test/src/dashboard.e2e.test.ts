import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, startDaemon } from './daemon-process.js';
import {
  chromiumPresent,
  createToken,
  launchBrowser,
  screenshotDir,
  signIn,
  splitSpans,
} from './dashboard-browser.js';

const present = chromiumPresent();

const PACK = 'support-prompts';

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      // Each version carries its own prompt and temperature: the rollout page shows their diff.
      prompts: { system: `You are a support agent.\n${version === '2.4.0' ? 'Be warm.' : 'Be brief.'}` },
      model: { name: 'gpt-x', parameters: { temperature: version === '2.4.0' ? 0.7 : 0.2 } },
      rollout: {
        strategy: 'canary',
        canaryWeight: 10,
        stepWeight: 10,
        // Long enough that nothing moves on its own while the browser looks.
        stepInterval: '1h',
        analysis: {
          interval: '1m',
          failureThreshold: 2,
          metrics: [
            { name: 'success_rate', threshold: '90%', comparison: '>=' },
            { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
          ],
        },
      },
    },
  };
}

/** Split-assigned spans of the pack served `variant`: `errors` of them failed, durations step·(i+1) ms. */
function spans(variant: string, n: number, errors: number, stepMs: number) {
  return splitSpans({ pack: PACK, variant, n, errors, stepMs });
}

/** Everything a page sent or showed that could leak the token. */
interface Watched {
  page: Page;
  urls: string[];
  /** Authorization headers sent to the API. */
  authorizations: string[];
  cspViolations: string[];
}

describe.skipIf(!present)('the dashboard in headless Chromium against the built daemon', () => {
  let daemon: DaemonProcess;
  let context: BrowserContext;
  let userDataDir: string;
  let outputDir: string;
  let readToken: string;
  let operateToken: string;
  let rolloutId: string;
  const watched: Watched[] = [];

  async function openSignedIn(token: string, hash = ''): Promise<Watched> {
    const page = await context.newPage();
    const w: Watched = { page, urls: [], authorizations: [], cspViolations: [] };
    page.on('request', (request) => {
      w.urls.push(request.url());
      const authorization = request.headers().authorization;
      if (authorization) w.authorizations.push(authorization);
    });
    page.on('framenavigated', (frame) => w.urls.push(frame.url()));
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) w.cspViolations.push(message.text());
    });
    watched.push(w);
    await signIn(page, daemon, token, hash);
    return w;
  }

  beforeAll(async () => {
    outputDir = screenshotDir('actions');
    userDataDir = mkdtempSync(join(tmpdir(), 'prompt-canary-chromium-'));
    daemon = await startDaemon();
    readToken = await createToken(daemon, 'viewer', ['read']);
    operateToken = await createToken(daemon, 'oncall', ['read', 'operate']);
    expect((await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1') })).status).toBe(
      201,
    );
    const started = await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.4.0') });
    expect(started.status).toBe(200);
    const rollouts = (await (await api(daemon, `/api/v1/rollouts?pack=${PACK}`)).json()) as Array<{
      id: string;
      phase: string;
    }>;
    expect(rollouts[0]?.phase).toBe('Progressing');
    rolloutId = rollouts[0]?.id ?? '';
    // Traffic for the analysis: canary 2.4.0 slower and a little less successful than stable 2.3.1.
    for (const body of [spans('2.4.0', 120, 6, 20), spans('2.3.1', 1080, 32, 10)]) {
      expect((await api(daemon, '/v1/traces', { method: 'POST', json: body })).status).toBe(200);
    }
    context = await launchBrowser(userDataDir);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    expect(await daemon?.stop()).toBe(0);
    rmSync(userDataDir, { recursive: true, force: true });
    console.info(`dashboard e2e screenshots: ${outputDir}`);
  });

  it('serves the sign-in page without a token, with a password field and the security headers', async () => {
    const res = await fetch(`${daemon.url}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await context.newPage();
    await page.goto(`${daemon.url}/ui`);
    expect(await page.locator('input#token').getAttribute('type')).toBe('password');
    await page.close();
  });

  it('shows a read token the packs and the rollout, without action buttons', async () => {
    const { page } = await openSignedIn(readToken);
    await expect.poll(() => page.locator('.top .who').textContent()).toContain('read only');
    const row = page.locator(`table.packs tr[data-pack="${PACK}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('2.3.1');
    expect(await row.textContent()).toContain('2.4.0');
    expect(await row.locator('[data-phase]').textContent()).toBe('Progressing');
    await page.screenshot({ path: join(outputDir, 'overview.png'), fullPage: true });
    await page.locator(`table.rollouts a[href="#/rollouts/${rolloutId}"]`).click();
    await page.locator(`main.rollout[data-rollout="${rolloutId}"]`).waitFor();
    expect(await page.locator('.facts .weight').textContent()).toContain('10%');
    await page.locator('.weight-chart .chart canvas').first().waitFor();
    await page.locator('.metric-chart[data-metric="latency_p99"] canvas').waitFor();
    // The side-by-side table: each arm's value over the step, and a status.
    const successRow = page.locator('table.metric-table tr[data-metric="success_rate"]');
    await successRow.waitFor();
    const cells = await successRow.locator('td').allTextContents();
    expect(cells[1]).toBe('97%');
    expect(cells[2]).toBe('95%');
    expect(['Improved', 'OK', 'Watch', 'Degraded', 'Inconclusive']).toContain(cells[3]);
    expect(await page.locator('ul.reasons li').count()).toBeGreaterThanOrEqual(2);
    // What the canary changes: the prompt's line and the temperature, removed in red and added in green.
    await page.locator('.content-diff pre.diff').waitFor();
    expect(await page.locator('.content-diff .diff-removed').allTextContents()).toEqual([
      '-Be brief.\n',
      '-temperature: 0.2\n',
    ]);
    expect(await page.locator('.content-diff .diff-added').allTextContents()).toEqual([
      '+Be warm.\n',
      '+temperature: 0.7\n',
    ]);
    await page.getByText('pack.apply').first().waitFor();
    expect(await page.locator('.actions button').count()).toBe(0);
    await page.screenshot({ path: join(outputDir, 'read-token.png'), fullPage: true });
  });

  it('shows an operate token the buttons; actions take a reason and the page follows the event stream', async () => {
    const { page } = await openSignedIn(operateToken, `#/rollouts/${rolloutId}`);
    const phase = page.locator('.rollout-head [data-phase]');
    await phase.waitFor();
    expect(await phase.textContent()).toBe('Progressing');
    const buttons = await page.locator('.actions button').evaluateAll((els) => els.map((e) => e.textContent));
    expect(buttons).toEqual(['Pause', 'Promote', 'Roll back']);
    // Anything that reloads the page would lose this.
    await page.evaluate(() => Object.assign(globalThis, { __noReload: true }));

    // Pause through the dialog: the phase follows the action's answer, without a reload.
    await page.locator('.actions [data-action="pause"]').click();
    await page.locator('dialog #action-reason').fill('checking a customer report');
    await page.locator('dialog button[type="submit"]').click();
    await expect.poll(() => phase.textContent(), { timeout: 15_000 }).toBe('Paused');

    // Resumed by someone else (the CLI, another tab): only the event stream can tell this page.
    const resumed = await api(daemon, `/api/v1/rollouts/${rolloutId}/resume`, {
      method: 'POST',
      json: { reason: 'report was unrelated' },
    });
    expect(resumed.status).toBe(200);
    await expect.poll(() => phase.textContent(), { timeout: 15_000 }).toBe('Progressing');
    await page
      .locator('.audit-log td.reason', { hasText: 'report was unrelated' })
      .waitFor({ timeout: 15_000 });

    // Roll back through the dialog with a reason.
    await page.locator('.actions [data-action="rollback"]').click();
    await page.locator('dialog #action-reason').fill('p99 latency over budget for enterprise tenants');
    await page.locator('dialog button[type="submit"]').click();
    await expect.poll(() => phase.textContent(), { timeout: 15_000 }).toBe('RolledBack');
    await page
      .locator('.audit-log td.reason', { hasText: 'p99 latency over budget for enterprise tenants' })
      .waitFor({ timeout: 15_000 });
    expect(await page.locator('.facts .weight').textContent()).toContain('0%');
    expect(await page.locator('.actions button').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __noReload?: boolean }).__noReload)).toBe(true);

    const shot = join(outputDir, 'rolled-back.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);

    const rollout = (await (await api(daemon, `/api/v1/rollouts/${rolloutId}`)).json()) as { phase: string };
    expect(rollout.phase).toBe('RolledBack');
  });

  it('keeps the token out of every URL and cookie, sending it only as a bearer header', async () => {
    expect(watched.length).toBeGreaterThanOrEqual(2);
    for (const w of watched) {
      for (const url of [...w.urls, w.page.url()]) {
        expect(url).not.toContain(readToken);
        expect(url).not.toContain(operateToken);
        expect(url).not.toContain(encodeURIComponent(operateToken));
      }
      expect(w.authorizations.length).toBeGreaterThan(0);
      for (const header of w.authorizations) expect(header).toMatch(/^Bearer (pc_|e2e-)/);
      expect(w.cspViolations).toEqual([]);
    }
    const cookies = await context.cookies();
    for (const cookie of cookies) {
      expect(cookie.value).not.toContain(readToken);
      expect(cookie.value).not.toContain(operateToken);
    }
    // The browser's storages, read in the page (this file is typed for Node, hence the casts).
    const stored = await watched[1]?.page.evaluate(() => {
      const web = globalThis as unknown as { sessionStorage: object; localStorage: object };
      return { session: Object.values(web.sessionStorage), local: Object.values(web.localStorage) };
    });
    expect(stored?.session).toContain(operateToken);
    expect(stored?.local).toEqual([]);
  });
});
