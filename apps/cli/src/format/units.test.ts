import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatDuration,
  formatMetricValue,
  formatTime,
  formatWeight,
  metricUnit,
} from './units.js';

describe('metric units', () => {
  it('knows rates, latencies, tokens and cost by name, and custom rates by aggregate', () => {
    expect(metricUnit('success_rate')).toBe('rate');
    expect(metricUnit('error_rate')).toBe('rate');
    expect(metricUnit('latency_p99')).toBe('ms');
    expect(metricUnit('tokens_per_request')).toBe('tokens');
    expect(metricUnit('output_tokens_per_request')).toBe('tokens');
    expect(metricUnit('cost_per_request')).toBe('cost');
    expect(metricUnit('tool_call_accuracy', 'rate')).toBe('rate');
    expect(metricUnit('feedback')).toBe('number');
  });

  it('shows rates as percentages, latencies in ms, tokens and cost', () => {
    expect(formatMetricValue(0.951, 'rate')).toBe('95.1%');
    expect(formatMetricValue(1, 'rate')).toBe('100.0%');
    expect(formatMetricValue(2480, 'ms')).toBe('2,480 ms');
    expect(formatMetricValue(812.4, 'ms')).toBe('812 ms');
    expect(formatMetricValue(3.25, 'ms')).toBe('3.25 ms');
    expect(formatMetricValue(412.6, 'tokens')).toBe('413 tok');
    expect(formatMetricValue(41.25, 'tokens')).toBe('41.3 tok');
    expect(formatMetricValue(0.003142, 'cost')).toBe('$0.0031');
    expect(formatMetricValue(12.5, 'cost')).toBe('$12.50');
    expect(formatMetricValue(4.1234, 'number')).toBe('4.123');
  });

  it('shows a dash where there is no value', () => {
    expect(formatMetricValue(undefined, 'rate')).toBe('—');
    expect(formatMetricValue(null, 'ms')).toBe('—');
    expect(formatMetricValue(Number.NaN, 'ms')).toBe('—');
  });

  it('writes weights with up to two decimals', () => {
    expect(formatWeight(10)).toBe('10%');
    expect(formatWeight(0.5)).toBe('0.5%');
    expect(formatWeight(12.345)).toBe('12.35%');
  });
});

describe('durations', () => {
  it('uses the two largest units', () => {
    expect(formatDuration(450)).toBe('450ms');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(3_600_000 + 5 * 60_000 + 7_000)).toBe('1h5m');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d3h');
  });

  it('tells ages relative to now, and times in UTC', () => {
    const now = Date.parse('2025-01-31T12:00:00Z');
    expect(formatAge('2025-01-31T11:55:00Z', now)).toBe('5m ago');
    expect(formatAge('2025-01-31T12:00:00Z', now)).toBe('just now');
    expect(formatTime('2025-01-31T11:55:00.123Z')).toBe('2025-01-31 11:55:00Z');
  });
});
