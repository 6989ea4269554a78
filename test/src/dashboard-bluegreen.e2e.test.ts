import { mkdtempSync, rmSync } from 'node:fs';
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

// The dashboard's view of a blue-green switch (issue 17): the overview's stage, the rollout's strategy and stage with
// their end, and the arms named before/after the switch in the rollback window.

const present = chromiumPresent();
const PACK = 'switch-prompts';

/** A blue-green pack: a 10% preview for an hour, then the switch and an hour's rollback window. */
function blueGreenPack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: {
        strategy: 'blueGreen',
        // Long enough that nothing moves on its own while the browser looks.
        preview: { weight: 10, duration: '1h' },
        rollbackWindow: '1h',
        analysis: {
          interval: '1m',
          failureThreshold: 2,
          metrics: [
            { name: 'success_rate', threshold: '90%', comparison: '>=' },
            { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
            { name: 'downstream_error_rate', service: 'billing-parser', threshold: '2%' },
          ],
        },
      },
    },
  };
}

async function put(daemon: DaemonProcess, body: unknown, status: number) {
  const res = await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: body });
  expect(res.status, await res.clone().text()).toBe(status);
  return res.json();
}

/** `in 59m (10:45 UTC)` or `in 1h (10:45 UTC)`: an hour from now, less the seconds the test has taken. */
const withinTheHour = /in (59m|1h)( \d+s)? \(\d\d:\d\d UTC\)$/;

describe.skipIf(!present)(
  'a blue-green switch in the dashboard, in headless Chromium against the built daemon',
  () => {
    let daemon: DaemonProcess;
    let context: BrowserContext;
    let page: Page;
    let userDataDir: string;
    let outputDir: string;
    let rolloutId: string;

    beforeAll(async () => {
      outputDir = screenshotDir('blue-green');
      userDataDir = mkdtempSync(join(tmpdir(), 'prompt-canary-chromium-'));
      daemon = await startDaemon();
      await put(daemon, blueGreenPack('1.0.0'), 201);
      const started = (await put(daemon, blueGreenPack('1.1.0'), 200)) as {
        rollout: { id: string; strategy?: string; stage?: string };
      };
      expect(started.rollout).toMatchObject({ strategy: 'blueGreen', stage: 'preview' });
      rolloutId = started.rollout.id;
      for (const batch of [
        { variant: '1.1.0', n: 150, errors: 3, stepMs: 2 },
        { variant: '1.0.0', n: 1350, errors: 30, stepMs: 2 },
      ]) {
        const res = await api(daemon, '/v1/traces', {
          method: 'POST',
          json: splitSpans({ pack: PACK, ...batch }),
        });
        expect(res.status).toBe(200);
      }
      context = await launchBrowser(userDataDir);
      page = await signIn(await context.newPage(), daemon, await createToken(daemon, 'viewer', ['read']));
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      expect(await daemon?.stop()).toBe(0);
      rmSync(userDataDir, { recursive: true, force: true });
      console.info(`blue-green dashboard screenshots: ${outputDir}`);
    });

    it('lists the rollout as a blue-green preview', async () => {
      const row = page.locator(
        `table.rollouts tr[data-rollout="${rolloutId}"] td[data-strategy="blueGreen"]`,
      );
      await row.waitFor();
      expect(await row.textContent()).toBe('blue-green · preview at 10%');
    });

    it('shows the strategy and the preview with when the switch comes', async () => {
      await page.locator(`table.rollouts a[href="#/rollouts/${rolloutId}"]`).click();
      const facts = page.locator(`main.rollout[data-rollout="${rolloutId}"] dl.facts`);
      await facts.waitFor();
      expect(await facts.locator('dd[data-strategy]').textContent()).toBe('blue-green');
      const stage = (await facts.locator('dd[data-stage]').textContent()) ?? '';
      expect(stage).toMatch(/^preview at 10% · switch /);
      expect(stage).toMatch(withinTheHour);
      await page.screenshot({ path: join(outputDir, '1-preview.png'), fullPage: true });
    });

    it('shows the rollback window after the switch, with its end, and names the arms before and after it', async () => {
      const res = await api(daemon, `/api/v1/rollouts/${rolloutId}/promote`, {
        method: 'POST',
        json: { reason: 'preview looked fine' },
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toMatchObject({ stage: 'rollbackWindow', weight: 100 });
      // The page follows transitions on the event stream; a reload makes the check independent of it.
      await page.reload();
      const main = page.locator(`main.rollout[data-rollout="${rolloutId}"]`);
      const stage = main.locator('dl.facts dd[data-stage="rollbackWindow"]');
      await stage.waitFor({ timeout: 15_000 });
      const text = (await stage.textContent()) ?? '';
      expect(text).toMatch(/^rollback window · ends /);
      expect(text).toMatch(withinTheHour);
      expect(await main.locator('dl.facts dt').allTextContents()).toEqual([
        'old',
        'new',
        'weight',
        'strategy',
        'stage',
        'started',
      ]);
      const headers = main.locator('table.metric-table th');
      await headers.first().waitFor({ timeout: 15_000 });
      const names = await headers.allTextContents();
      expect(names[1]).toBe('before switch 1.0.0');
      expect(names[2]).toBe('after switch 1.1.0');
      expect(await main.locator('table.metric-table caption').textContent()).toMatch(
        / · before\/after: since \d\d:\d\d:\d\d UTC against \d\d:\d\d:\d\d–\d\d:\d\d:\d\d UTC$/,
      );
      // A per-service gate is charted under its check's name, not as a second, empty `downstream_error_rate`.
      const charts = await main
        .locator('figure.metric-chart')
        .evaluateAll((figures) => figures.map((figure) => figure.getAttribute('data-metric')));
      expect(charts).toContain('downstream_error_rate:billing-parser');
      expect(charts).not.toContain('downstream_error_rate');
      await page.screenshot({ path: join(outputDir, '2-rollback-window.png'), fullPage: true });
    });
  },
);
