/**
 * What the dashboard's browser tests share: Debian's Chromium through playwright-core, signing in with a token,
 * tokens and split-assigned spans made over the API, and the folder the screenshots go to.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { api, type DaemonProcess, repoRoot } from './daemon-process.js';

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser is there. Without it the dashboard tests are skipped with a message, except under
 * `CI=true`, where a missing browser is a failure.
 */
export function chromiumPresent(): boolean {
  const present = existsSync(chromiumPath);
  if (!present) {
    if (process.env.CI === 'true')
      throw new Error(`${chromiumPath} is missing; CI installs Debian's chromium`);
    console.warn(`skipping the dashboard e2e: no browser at ${chromiumPath} (apt-get install -y chromium)`);
  }
  return present;
}

/** Headless Chromium with a profile of its own in `userDataDir`. */
export function launchBrowser(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1000 },
  });
}

/** Opens `/ui` (at `hash`) on `page` and signs in with `token` through the form. */
export async function signIn(page: Page, daemon: DaemonProcess, token: string, hash = ''): Promise<Page> {
  await page.goto(`${daemon.url}/ui${hash}`);
  await page.locator('input#token[type="password"]').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.top .who').waitFor();
  return page;
}

/**
 * Where the screenshots go: `apps/dashboard/test-output/<name>/` (git-ignored; `DASHBOARD_TEST_OUTPUT` moves
 * it), made if missing.
 */
export function screenshotDir(name: string): string {
  const dir = join(process.env.DASHBOARD_TEST_OUTPUT ?? join(repoRoot, 'apps/dashboard/test-output'), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A token made by the admin token. */
export async function createToken(daemon: DaemonProcess, name: string, scopes: string[]): Promise<string> {
  const res = await api(daemon, '/api/v1/tokens', { method: 'POST', json: { name, scopes } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** What {@link splitSpans} makes. */
export interface SpanBatch {
  readonly pack: string;
  readonly variant: string;
  readonly n: number;
  /** How many of them failed. */
  readonly errors: number;
  /** Durations are `stepMs · (i + 1)` ms. */
  readonly stepMs: number;
  /** Input tokens per span, when set. */
  readonly inputTokens?: number;
}

/** An OTLP/JSON export of split-assigned spans of one pack and variant, all ending now. */
export function splitSpans({ pack, variant, n, errors, stepMs, inputTokens }: SpanBatch) {
  const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
  const end = Date.now();
  return {
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', 'support-agent')] },
        scopeSpans: [
          {
            scope: { name: 'dashboard-e2e' },
            spans: Array.from({ length: n }, (_, i) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: 'chat',
              kind: 2,
              startTimeUnixNano: nanos(end - stepMs * (i + 1)),
              endTimeUnixNano: nanos(end),
              attributes: [
                attribute('feature_flag.key', pack),
                attribute('feature_flag.result.variant', variant),
                attribute('feature_flag.result.reason', 'SPLIT'),
                ...(inputTokens === undefined
                  ? []
                  : [{ key: 'gen_ai.usage.input_tokens', value: { intValue: String(inputTokens) } }]),
              ],
              status: i < errors ? { code: 2 } : {},
            })),
          },
        ],
      },
    ],
  };
}
