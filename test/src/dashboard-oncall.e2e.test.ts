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

const present = chromiumPresent();

/** A live rollout whose canary breaks its latency limit. */
const SUPPORT = 'support-prompts';
/** A pack at rest: applied once, no rollout. */
const BILLING = 'billing-prompts';
/** A rollout under a schedule window that closes a few seconds after it starts. */
const NIGHT = 'night-shift';
/** How long the schedule window stays open after the rollout starts. */
const WINDOW_OPEN_MS = 3_000;

/** `HH:MM` in UTC. */
const utcClock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * A daily window open now (from an hour ago to two hours ahead, UTC), serving 50% over a 10% ramp until `untilMs`.
 */
function closingWindow(untilMs: number) {
  const now = Date.now();
  return {
    window: `${utcClock(now - 3_600_000)}-${utcClock(now + 7_200_000)}`,
    canaryWeight: 50,
    // On a whole second: schedule windows take whole seconds only.
    until: new Date(Math.ceil(untilMs / 1000) * 1000).toISOString(),
  };
}

function rampPack(name: string, version: string, schedule?: unknown[]) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name },
    spec: {
      version,
      rollout: {
        strategy: 'canary',
        canaryWeight: 10,
        stepWeight: 10,
        // Long enough that nothing moves on its own while the browser looks.
        stepInterval: '1h',
        ...(schedule ? { schedule } : {}),
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

async function put(daemon: DaemonProcess, path: string, body: unknown, status: number) {
  const res = await api(daemon, path, { method: 'PUT', json: body });
  expect(res.status, await res.clone().text()).toBe(status);
  return res.json();
}

async function post(daemon: DaemonProcess, path: string, body: unknown) {
  const res = await api(daemon, path, { method: 'POST', json: body });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** The text of each cell of the table row `row`. */
function cells(page: Page, row: string): Promise<string[]> {
  return page.locator(row).locator('td').allTextContents();
}

describe.skipIf(!present)('the on-call dashboard in headless Chromium against the built daemon', () => {
  let daemon: DaemonProcess;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let outputDir: string;
  let supportRollout: string;
  let nightRollout: string;

  beforeAll(async () => {
    outputDir = screenshotDir('on-call');
    userDataDir = mkdtempSync(join(tmpdir(), 'prompt-canary-chromium-'));
    daemon = await startDaemon();
    await put(daemon, `/api/v1/packs/${BILLING}`, rampPack(BILLING, '1.0.0'), 201);
    await put(daemon, `/api/v1/packs/${SUPPORT}`, rampPack(SUPPORT, '2.3.1'), 201);
    const started = (await put(daemon, `/api/v1/packs/${SUPPORT}`, rampPack(SUPPORT, '2.4.0'), 200)) as {
      rollout: { id: string };
    };
    supportRollout = started.rollout.id;
    await post(daemon, `/api/v1/rollouts/${supportRollout}/pause`, { reason: 'checking a customer report' });
    await post(daemon, `/api/v1/rollouts/${supportRollout}/resume`, { reason: 'report was unrelated' });
    // The canary is twice as slow as stable (p99 ≈ 4.7 s against a 3 s limit) and uses more tokens.
    for (const batch of [
      { variant: '2.4.0', n: 150, errors: 6, stepMs: 32, inputTokens: 900 },
      { variant: '2.3.1', n: 1350, errors: 40, stepMs: 2, inputTokens: 700 },
    ]) {
      const res = await api(daemon, '/v1/traces', {
        method: 'POST',
        json: splitSpans({ pack: SUPPORT, ...batch }),
      });
      expect(res.status).toBe(200);
    }
    await put(daemon, `/api/v1/packs/${NIGHT}`, rampPack(NIGHT, '1.0.0'), 201);
    const night = (await put(
      daemon,
      `/api/v1/packs/${NIGHT}`,
      rampPack(NIGHT, '1.1.0', [closingWindow(Date.now() + WINDOW_OPEN_MS)]),
      200,
    )) as { rollout: { id: string; effectiveWeight: number } };
    nightRollout = night.rollout.id;
    expect(night.rollout.effectiveWeight).toBe(50);
    context = await launchBrowser(userDataDir);
    page = await signIn(await context.newPage(), daemon, await createToken(daemon, 'oncall', ['read']));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    expect(await daemon?.stop()).toBe(0);
    rmSync(userDataDir, { recursive: true, force: true });
    console.info(`on-call dashboard screenshots: ${outputDir}`);
  });

  it('shows every pack with its live rollout: phase, weight, worst check and last change with its reason', async () => {
    const support = `table.packs tr[data-pack="${SUPPORT}"]`;
    await page.locator(`${support} .worst-check`).waitFor();
    const [name, stable, canary, phase, weight, worst, last] = await cells(page, support);
    expect([name, stable, canary, phase, weight]).toEqual([SUPPORT, '2.3.1', '2.4.0', 'Progressing', '10%']);
    expect(worst).toBe('Degraded latency_p99');
    expect(await page.locator(`${support} .worst-check`).getAttribute('title')).toContain('latency_p99');
    expect(last).toBe('just now · admin rollout.resume — report was unrelated');

    const billing = `table.packs tr[data-pack="${BILLING}"]`;
    const [bName, bStable, bCanary, bPhase, bWeight, bWorst, bLast] = await cells(page, billing);
    expect([bName, bStable, bCanary, bPhase, bWeight, bWorst]).toEqual([
      BILLING,
      '1.0.0',
      '—',
      'steady',
      '—',
      '—',
    ]);
    expect(bLast).toBe('just now · admin pack.apply — pack created: 1.0.0 is stable');
    await page.screenshot({ path: join(outputDir, '1-overview.png'), fullPage: true });
  });

  it('shows the full metric table of a rollout, gated and not gated, each value in its unit', async () => {
    await page.locator(`table.packs a[href="#/rollouts/${supportRollout}"]`).click();
    const table = page.locator(`main.rollout[data-rollout="${supportRollout}"] table.metric-table`);
    await table.locator('tr[data-metric="success_rate"]').waitFor();
    expect(await table.locator('caption').textContent()).toMatch(
      /^window \d\d:\d\d:\d\d–\d\d:\d\d:\d\d UTC \(.+\) · comparisons on split traffic since \d\d:\d\d:\d\d UTC$/,
    );
    const success = await cells(page, 'table.metric-table tr[data-metric="success_rate"]');
    expect(success[0]).toMatch(/^success_rate limit 90% · last \d+s$/);
    expect(success.slice(1, 3)).toEqual(['97%', '96%']);
    const latency = await cells(page, 'table.metric-table tr[data-metric="latency_p99"]');
    expect(latency[0]).toMatch(/^latency_p99 limit 3,000 ms/);
    expect(latency[2]).toMatch(/^4,\d{3} ms$/);
    expect(latency[3]).toBe('Degraded');

    const ungated = await table
      .locator('tr.not-gated')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent)));
    const byName = new Map(ungated.map((row) => [row[0], row.slice(1)]));
    // Every measured metric the pack does not gate, in its unit, with the arms' requests.
    expect(byName.get('tokens_per_request')).toEqual(['700 tok', '900 tok', 'not gated', '1,350 / 150 req']);
    expect(byName.get('error_rate')).toEqual(['2.96%', '4%', 'not gated', '1,350 / 150 req']);
    expect(byName.get('latency_p50')?.[2]).toBe('not gated');
    expect(byName.get('latency_p50')?.[0]).toMatch(/ ms$/);
    expect(byName.has('success_rate')).toBe(false);
    await table.screenshot({ path: join(outputDir, '2-metric-table.png') });
    await page.screenshot({ path: join(outputDir, '2-rollout.png'), fullPage: true });
  });

  it('marks the schedule window and every moment sessions went back to stable on the weight chart', async () => {
    // Wait (bounded) until the window has closed: the served weight falls from 50% to the ramp's 10%.
    await expect
      .poll(
        async () =>
          (
            (await (await api(daemon, `/api/v1/rollouts/${nightRollout}`)).json()) as {
              effectiveWeight: number;
            }
          ).effectiveWeight,
        { timeout: WINDOW_OPEN_MS + 10_000, interval: 250 },
      )
      .toBe(10);
    // A few seconds at the ramp's weight, so that the two drops are apart on the chart.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await post(daemon, `/api/v1/rollouts/${nightRollout}/rollback`, { reason: 'night traffic looked wrong' });

    await page.goto(`${daemon.url}/ui#/rollouts/${nightRollout}`);
    const chart = page.locator(`main.rollout[data-rollout="${nightRollout}"] .weight-chart`);
    await chart.locator('.session-moves li').nth(1).waitFor();
    const windows = await chart.locator('.schedule-windows li').allTextContents();
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatch(/^window \d\d:\d\d-\d\d:\d\d UTC open \d\d:\d\d:\d\d–\d\d:\d\d:\d\d: 50%$/);
    const moves = await chart.locator('.session-moves li').allTextContents();
    expect(moves).toHaveLength(2);
    expect(moves[0]).toMatch(
      /^\d\d:\d\d:\d\d sessions back to stable: 50% → 10% — window \d\d:\d\d-\d\d:\d\d closed$/,
    );
    expect(moves[1]).toMatch(
      /^\d\d:\d\d:\d\d sessions back to stable: 10% → 0% — rolled back: night traffic looked wrong$/,
    );
    expect(await chart.locator('figcaption').textContent()).toContain('sessions back to stable');

    // The time axis reads as local clock times, never as fractions of a second.
    const ticks = (await chart.locator('.uplot[data-x-ticks]').getAttribute('data-x-ticks')) ?? '';
    expect(ticks.split(' | ').length).toBeGreaterThan(1);
    for (const tick of ticks.split(' | ')) expect(tick).toMatch(/^(\w{3} \d{1,2} )?\d\d:\d\d(:\d\d)?$/);
    await chart.screenshot({ path: join(outputDir, '3-weight-chart.png') });
  });

  it("reads the metric charts' time axes as clock times too", async () => {
    await page.goto(`${daemon.url}/ui#/rollouts/${supportRollout}`);
    const chart = page.locator(
      `main.rollout[data-rollout="${supportRollout}"] .metric-chart[data-metric="latency_p99"] .uplot[data-x-ticks]`,
    );
    await chart.waitFor();
    const ticks = (await chart.getAttribute('data-x-ticks')) ?? '';
    expect(ticks).not.toContain('.');
    for (const tick of ticks.split(' | ')) expect(tick).toMatch(/^(\w{3} \d{1,2} )?\d\d:\d\d(:\d\d)?$/);
  });

  it("shows the rollout's timeline with reasons: transitions, the window closing, the weight served", async () => {
    await page.goto(`${daemon.url}/ui#/rollouts/${nightRollout}`);
    // Scoped to the rollout: until it has loaded, the page still shows the one before.
    const rows = page.locator(`main.rollout[data-rollout="${nightRollout}"] table.timeline tbody tr`);
    await rows.nth(2).waitFor();
    const text = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const clock = /^\d\d:\d\d:\d\d$/;
    for (const row of text) expect(row[0]).toMatch(clock);
    expect(text.map((row) => row.slice(1))).toEqual([
      ['started Progressing', '50%', 'admin', 'rollout of 1.1.0 from 1.0.0 started'],
      [
        expect.stringMatching(/^window \d\d:\d\d-\d\d:\d\d UTC closed$/),
        '50% → 10%',
        'schedule',
        'back to the ramp’s weight',
      ],
      ['Progressing → RolledBack', '10% → 0%', 'admin', 'night traffic looked wrong'],
    ]);
    expect(await rows.nth(1).locator('td.move').getAttribute('title')).toBe(
      'sessions above 10% went back to stable',
    );
    await page.screenshot({ path: join(outputDir, '4-rollout-timeline.png'), fullPage: true });

    await page.goto(`${daemon.url}/ui#/rollouts/${supportRollout}`);
    const support = page.locator(`main.rollout[data-rollout="${supportRollout}"] table.timeline tbody tr`);
    await support.nth(2).waitFor();
    const reasons = await support.locator('td.reason').allTextContents();
    expect(reasons.slice(1)).toEqual(['checking a customer report', 'report was unrelated']);
    expect(await support.locator('td:nth-child(2)').allTextContents()).toEqual([
      'started Progressing',
      'Progressing → Paused',
      'Paused → Progressing',
    ]);
  });
});
