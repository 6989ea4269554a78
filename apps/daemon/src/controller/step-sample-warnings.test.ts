import { describe, expect, test } from 'vitest';
import { planOf, rolloutSpec } from '../rollouts/testing/rollout-fixtures.js';
import { stepSampleWarnings } from './step-sample-warnings.js';

const analysis = { interval: '1m', minSamples: 100, metrics: [{ name: 'success_rate', threshold: '90%' }] };
const steps = {
  steps: [
    { weight: 1, minDuration: '4h' },
    { weight: 10, minDuration: '5m' },
    { weight: 100, monitorFor: '1h' },
  ],
  analysis,
};

function warnings(rollout: Record<string, unknown>, rate: number | null, timeScale = 1): string[] {
  return stepSampleWarnings(rolloutSpec(rollout), planOf(rollout), rate, timeScale);
}

describe('apply-time sample estimates', () => {
  test('warns for each step that cannot reach minSamples per arm within its minimum duration', () => {
    // 0.05 requests/s: 1% gets one request every 2000 s; 100 take about 55h.
    const out = warnings(steps, 0.05);
    expect(out[0]).toBe(
      'step 1 (1%) needs about 2d 7h to reach 100 samples per arm at the recent 3.0 requests/min; its minimum duration is 4h',
    );
    expect(out[1]).toMatch(/^step 2 \(10%\) needs about 5h 33m/);
    // At 100% the canary has all the traffic: 100 samples in 33m 20s fit the hour of monitoring.
    expect(out).toHaveLength(3);
    expect(out[2]).toMatch(/^hard limits look at one interval \(1m\).*step 1 \(1%\), 2 \(10%\), 3 \(100%\)/);
  });

  test('says nothing when traffic suffices, when the rate is unknown, or without metrics', () => {
    expect(warnings(steps, 1000)).toEqual([]);
    expect(warnings(steps, null)).toEqual([]);
    expect(warnings({ ...steps, analysis: { metrics: [] } }, 0.05)).toEqual([]);
  });

  test('the time scale shortens the time a step has', () => {
    const ramp = {
      canaryWeight: 50,
      stepInterval: '10m',
      analysis: { ...analysis, metrics: [{ name: 'success_rate', compare: true }] },
    };
    expect(warnings(ramp, 1)).toEqual([]);
    expect(warnings(ramp, 1, 60)).toEqual([
      'step 1 (50%) needs about 3m 20s to reach 100 samples per arm at the recent 1.0 requests/s; its minimum duration is 10s',
    ]);
  });

  test('a blue-green plan names its weight preview and its rollback window', () => {
    const out = warnings(
      { strategy: 'blueGreen', preview: { weight: 1, duration: '1h' }, rollbackWindow: '10m', analysis },
      0.05,
    );
    expect(out[0]).toMatch(/^preview \(1%\) needs about 2d 7h to reach 100 samples per arm/);
    expect(out[1]).toMatch(/^the rollback window \(100%\) needs about 33m 20s to reach 100 samples at/);
    expect(out[2]).toMatch(/requests per interval in preview \(1%\), the rollback window \(100%\), so/);
  });
});
