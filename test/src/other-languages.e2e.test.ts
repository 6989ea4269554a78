import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashContextId } from '@prompt-canary/openfeature-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

/**
 * docs/other-languages.md, checked against the built daemon: spans built from the page's own OTLP/JSON example
 * (only ids, times and the attribute values changed, as an app in another language would send them), with the
 * variant and reason an OFREP evaluation returned and the unit id computed as the page says, plus the page's
 * tracking call; the rollout's analysis must count each one in the right arm.
 */

const page = readFileSync(join(repoRoot, 'docs/other-languages.md'), 'utf8');
const FLAG = 'support-prompts';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number };
}
interface OtlpRequest {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

/** The page's OTLP/JSON example. */
function pageExample(): OtlpRequest {
  const block = /```json\n([\s\S]*?)```/.exec(page)?.[1];
  if (block === undefined) throw new Error('docs/other-languages.md has no json block');
  return JSON.parse(block) as OtlpRequest;
}

/** The unit id as the page describes it: 16 hex digits of HMAC-SHA-256("prompt-canary", flag NUL unit). */
function unitId(flag: string, unit: string): string {
  return createHmac('sha256', 'prompt-canary').update(`${flag}\0${unit}`).digest('hex').slice(0, 16);
}

describe('docs/other-languages.md against the real daemon', () => {
  let daemon: DaemonProcess;
  let appToken: string;
  let rolloutId: string;

  beforeAll(async () => {
    daemon = await startDaemon();
    const pack = (version: string) => ({
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: FLAG },
      spec: {
        version,
        rollout: {
          canaryWeight: 50,
          stepWeight: 50,
          stepInterval: '1h',
          analysis: { metrics: [{ name: 'success_rate', threshold: '80%' }] },
        },
      },
    });
    await api(daemon, `/api/v1/packs/${FLAG}`, { method: 'PUT', json: pack('2.3.1') });
    const applied = await api(daemon, `/api/v1/packs/${FLAG}`, { method: 'PUT', json: pack('2.4.0') });
    rolloutId = ((await applied.json()) as { rollout: { id: string } }).rollout.id;
    const created = await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'support-agent', scopes: ['evaluate', 'ingest'] },
    });
    appToken = ((await created.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it("computes the unit id the TypeScript provider's hook computes", () => {
    for (const unit of ['session-42', 'ü-unicode', '']) {
      expect(unitId(FLAG, unit)).toBe(hashContextId('prompt-canary', FLAG, unit));
    }
  });

  it('names in its example exactly the attributes its table lists', () => {
    const example = pageExample().resourceSpans[0]?.scopeSpans[0]?.spans[0];
    for (const attribute of example?.attributes ?? []) expect(page).toContain(`| \`${attribute.key}\``);
  });

  it('counts spans and feedback sent as the page shows, each in the arm of its variant', async () => {
    const asApp = { authorization: `Bearer ${appToken}` };
    const sessions = Array.from({ length: 40 }, (_, i) => `session-${i}`);
    const served = new Map<string, { variant: string; reason: string }>();
    for (const session of sessions) {
      const res = await fetch(`${daemon.url}/ofrep/v1/evaluate/flags/${FLAG}`, {
        method: 'POST',
        headers: { ...asApp, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { targetingKey: session } }),
      });
      const body = (await res.json()) as { variant: string; reason: string };
      served.set(session, body);
    }
    const variants = new Set([...served.values()].map((s) => s.variant));
    expect(variants).toEqual(new Set(['2.3.1', '2.4.0']));

    const request = pageExample();
    const template = request.resourceSpans[0]?.scopeSpans[0]?.spans[0] as OtlpSpan;
    const spans: OtlpSpan[] = [];
    const expected = { '2.3.1': { n: 0, errors: 0 }, '2.4.0': { n: 0, errors: 0 } } as Record<
      string,
      { n: number; errors: number }
    >;
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    for (const [index, session] of sessions.entries()) {
      const { variant, reason } = served.get(session) as { variant: string; reason: string };
      for (let turn = 0; turn < 3; turn++) {
        const failed = (index + turn) % 10 === 0;
        const counts = expected[variant] as { n: number; errors: number };
        counts.n++;
        if (failed) counts.errors++;
        const values: Record<string, string> = {
          'feature_flag.result.variant': variant,
          'feature_flag.result.reason': reason,
          'feature_flag.context.id': unitId(FLAG, session),
        };
        spans.push({
          ...template,
          traceId: randomBytes(16).toString('hex'),
          spanId: randomBytes(8).toString('hex'),
          startTimeUnixNano: String(nowNs - 1_250_000_000n),
          endTimeUnixNano: String(nowNs),
          attributes: template.attributes.map((a) =>
            a.key in values ? { key: a.key, value: { stringValue: values[a.key] as string } } : a,
          ),
          status: { code: failed ? 2 : 1 },
        });
      }
    }
    (request.resourceSpans[0]?.scopeSpans[0] as { spans: OtlpSpan[] }).spans = spans;
    const sent = await fetch(`${daemon.url}/v1/traces`, {
      method: 'POST',
      headers: { ...asApp, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({});

    // The page's tracking call, once per session, with the variant and reason its evaluation returned.
    const events = sessions.map((session, i) => ({
      name: 'feedback',
      flagKey: FLAG,
      targetingKey: session,
      variant: served.get(session)?.variant,
      reason: served.get(session)?.reason,
      value: 3 + (i % 3),
      timestamp: new Date().toISOString(),
    }));
    const tracked = await fetch(`${daemon.url}/api/v1/track`, {
      method: 'POST',
      headers: { ...asApp, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(await tracked.json()).toEqual({ accepted: sessions.length, dropped: {} });

    const analysis = (await (
      await api(daemon, `/api/v1/rollouts/${rolloutId}/analysis?window=rollout`)
    ).json()) as {
      arms: Record<'stable' | 'canary', { version: string; n: number; metrics: Record<string, number> }>;
      srm: { units?: { stable: number; canary: number } };
    };
    for (const arm of ['stable', 'canary'] as const) {
      const { version, n, metrics } = analysis.arms[arm];
      const counts = expected[version] as { n: number; errors: number };
      expect(n, arm).toBe(counts.n);
      expect(metrics.success_rate).toBeCloseTo(1 - counts.errors / counts.n, 10);
      expect(metrics.tokens_per_request).toBe(812 + 164);
      expect(metrics.output_tokens_per_request).toBe(164);
      expect(metrics.satisfaction).toBeGreaterThanOrEqual(3);
    }
    const units = (version: string) => sessions.filter((s) => served.get(s)?.variant === version).length;
    expect(analysis.srm.units).toEqual({ stable: units('2.3.1'), canary: units('2.4.0') });
  });
});
