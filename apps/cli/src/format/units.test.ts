import type { MetricInfo } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { formatAge, formatMetricValue, formatTime, formatWeight, metricUnit } from './units.js';

describe('metric units', () => {
  const metricInfo: Record<string, MetricInfo> = {
    success_rate: { unit: 'fraction', direction: 'higher' },
    latency_p99: { unit: 'ms', direction: 'lower' },
    refund_rate: { unit: 'number', direction: 'lower' },
    tone_score: { unit: 'fraction', direction: 'higher' },
  };

  it("takes each metric's unit from the daemon's metricInfo", () => {
    expect(metricUnit('success_rate', metricInfo)).toBe('fraction');
    expect(metricUnit('latency_p99', metricInfo)).toBe('ms');
  });

  it('believes metricInfo over the name: a custom refund_rate of unit number is no percentage', () => {
    expect(metricUnit('refund_rate', metricInfo)).toBe('number');
    expect(formatMetricValue(0.42, metricUnit('refund_rate', metricInfo))).toBe('0.42');
  });

  it('believes metricInfo over the name: a custom tone_score of unit fraction is a percentage', () => {
    expect(metricUnit('tone_score', metricInfo)).toBe('fraction');
    expect(formatMetricValue(0.873, metricUnit('tone_score', metricInfo))).toBe('87.3%');
  });

  it('shows plain numbers for a metric metricInfo does not describe, whatever its name', () => {
    expect(metricUnit('latency_p99', undefined)).toBe('number');
    expect(metricUnit('error_rate', {})).toBe('number');
    expect(metricUnit('cost_per_request', metricInfo)).toBe('number');
  });

  it('shows fractions as percentages, latencies in ms, tokens, cost and ratings', () => {
    expect(formatMetricValue(0.951, 'fraction')).toBe('95.1%');
    expect(formatMetricValue(1, 'fraction')).toBe('100.0%');
    expect(formatMetricValue(2480, 'ms')).toBe('2,480 ms');
    expect(formatMetricValue(812.4, 'ms')).toBe('812 ms');
    expect(formatMetricValue(3.25, 'ms')).toBe('3.25 ms');
    expect(formatMetricValue(412.6, 'tokens')).toBe('413 tok');
    expect(formatMetricValue(41.25, 'tokens')).toBe('41.3 tok');
    expect(formatMetricValue(0.003142, 'cost')).toBe('$0.0031');
    expect(formatMetricValue(12.5, 'cost')).toBe('$12.50');
    expect(formatMetricValue(4.1234, 'number')).toBe('4.123');
    expect(formatMetricValue(12_480, 'number')).toBe('12,480');
    expect(formatMetricValue(4.213, 'rating')).toBe('4.21/5');
  });

  it('shows a dash where there is no value', () => {
    expect(formatMetricValue(undefined, 'fraction')).toBe('—');
    expect(formatMetricValue(null, 'ms')).toBe('—');
    expect(formatMetricValue(Number.NaN, 'ms')).toBe('—');
  });

  it('writes weights with up to two decimals', () => {
    expect(formatWeight(10)).toBe('10%');
    expect(formatWeight(0.5)).toBe('0.5%');
    expect(formatWeight(12.345)).toBe('12.35%');
  });
});

describe('times', () => {
  it('tells ages relative to now in the shared duration format, and times in UTC', () => {
    const now = Date.parse('2025-01-31T12:00:00Z');
    expect(formatAge('2025-01-31T11:55:00Z', now)).toBe('5m ago');
    expect(formatAge('2025-01-31T10:54:30Z', now)).toBe('1h 5m ago');
    expect(formatAge('2025-01-29T09:00:00Z', now)).toBe('2d 3h ago');
    expect(formatAge('2025-01-31T12:00:00Z', now)).toBe('just now');
    expect(formatAge('not a time', now)).toBe('—');
    expect(formatTime('2025-01-31T11:55:00.123Z')).toBe('2025-01-31 11:55:00Z');
  });
});
