import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_SCENARIOS,
  canaryProfileAt,
  loadScenario,
  parseDuration,
  parseScenario,
} from './scenario.js';

const minimal = `
name: t
traffic: {}
stable:
  model: m
  latencyMs: { median: 100, p99: 200 }
  errorRate: 0.01
  inputTokens: 10
  outputTokens: 5
  toolCallRate: 0.5
  toolCallAccuracy: 0.9
  feedback: { rate: 0.5, satisfaction: 4, thumbsUpRate: 0.8 }
`;

describe('scenarios', () => {
  it('quality: a canary like stable in everything but the judge, with evals every 5m of 60 per arm', () => {
    const quality = loadScenario('quality');
    const { evalPassRate: stablePass, ...stableRest } = quality.stable;
    const { evalPassRate: canaryPass, ...canaryRest } = quality.canary;
    expect(canaryRest).toEqual(stableRest);
    expect(stablePass).toBe(0.95);
    expect(canaryPass).toBe(0.5);
    expect(quality.evals).toEqual({ everyMs: 300_000, sample: 60, timeoutMs: 300_000, maxDecrease: '5pt' });
    expect(parseScenario(minimal).evals).toBeUndefined();
  });

  it('ships the four scenarios of DESIGN.md and the evals one, each a valid file', () => {
    for (const name of BUILT_IN_SCENARIOS) expect(loadScenario(name).name).toBe(name);
  });

  it('makes the A/A canary identical to stable and the trade-off canary cheaper, faster and less liked', () => {
    const aa = loadScenario('aa');
    expect(aa.canary).toEqual(aa.stable);
    const t = loadScenario('tradeoff');
    expect(t.canary.inputTokens).toBeLessThan(t.stable.inputTokens);
    expect(t.canary.latencyMs.median).toBeLessThan(t.stable.latencyMs.median);
    expect(t.canary.feedback.satisfaction).toBeLessThan(t.stable.feedback.satisfaction);
  });

  it('plays the regression: +800 ms from the start, then a p99 past 3000 ms', () => {
    const r = loadScenario('regression');
    expect(canaryProfileAt(r, 0).latencyMs.median - r.stable.latencyMs.median).toBe(800);
    expect(canaryProfileAt(r, 9 * 60_000).latencyMs.p99).toBeLessThan(3000);
    expect(canaryProfileAt(r, 10 * 60_000).latencyMs.p99).toBeGreaterThan(3000);
  });

  it('lets canary fields and phases inherit what they leave out', () => {
    const s = parseScenario(
      `${minimal}canary:\n  errorRate: 0.2\n  phases:\n    - { after: 1m, outputTokens: 50 }\n`,
    );
    expect(s.canary).toEqual({ ...s.stable, errorRate: 0.2 });
    expect(canaryProfileAt(s, 60_000)).toEqual({ ...s.stable, errorRate: 0.2, outputTokens: 50 });
    expect(s.traffic.requestsPerSecond).toBe(50);
  });

  it('names the field of an invalid scenario', () => {
    expect(() => parseScenario(minimal.replace('errorRate: 0.01', 'errorRate: 3'), 'x.yaml')).toThrow(
      /x\.yaml: stable\.errorRate/,
    );
    expect(() => parseScenario(`${minimal}canary:\n  phases:\n    - { after: soon }\n`)).toThrow(/after/);
    expect(() => loadScenario('no-such-scenario')).toThrow(/built in: success, regression, tradeoff, aa/);
  });

  it('reads durations in ms, s, m and h', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('8s')).toBe(8000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('5 minutes')).toBeUndefined();
  });
});
