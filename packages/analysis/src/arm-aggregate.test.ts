import { describe, expect, it } from 'vitest';
import { ArmAggregate } from './arm-aggregate.js';
import { span } from './test-spans.js';

function sample(): ArmAggregate {
  const agg = new ArmAggregate();
  agg.addSpan(
    span({ durationMs: 100, inputTokens: 10, outputTokens: 5, cost: 0.5, attributes: { ok: true, q: 3 } }),
  );
  agg.addSpan(span({ durationMs: 300, error: true, outputTokens: 7, attributes: { ok: false, q: 5 } }));
  agg.addSpan(span({ durationMs: 200 }));
  agg.addFeedback({ flagKey: 'f', variant: 'v', name: 'feedback', value: 4, timeMs: 0 });
  agg.addFeedback({ flagKey: 'f', variant: 'v', name: 'thumbs_up', timeMs: 0 });
  agg.addScore({ flagKey: 'f', variant: 'v', name: 'judge', value: 0.8, timeMs: 0 });
  agg.addScore({ flagKey: 'f', variant: 'v', name: 'judge', value: 0.2, timeMs: 0 });
  return agg;
}

describe('ArmAggregate', () => {
  it('counts spans, errors, latency moments, tokens, cost and attributes', () => {
    const agg = sample();
    expect(agg.spans).toBe(3);
    expect(agg.errors).toBe(1);
    expect(agg.latencyMoments).toEqual({ n: 3, sum: 600, sumSq: 140_000 });
    expect(agg.tokens).toEqual({ n: 2, sum: 22, sumSq: 15 ** 2 + 7 ** 2 });
    expect(agg.outputTokens).toEqual({ n: 2, sum: 12, sumSq: 74 });
    expect(agg.cost).toEqual({ n: 1, sum: 0.5, sumSq: 0.25 });
    expect(agg.attributes.get('ok')?.moments).toEqual({ n: 2, sum: 1, sumSq: 1 });
    expect(agg.attributes.get('ok')?.sketch).toBeUndefined();
    expect(agg.attributes.get('q')?.sketch?.count).toBe(2);
    expect(agg.logLatency.sum).toBeCloseTo(Math.log(100) + Math.log(300) + Math.log(200), 10);
    expect(agg.feedback.get('feedback')).toEqual({ n: 1, sum: 4, sumSq: 16 });
    expect(agg.scores.get('judge')?.passed).toBe(1);
  });

  it('merges slices exactly: counts and sums add, the inputs stay untouched', () => {
    const a = sample();
    const b = sample();
    b.addSpan(span({ durationMs: 50, attributes: { extra: 2 } }));
    const merged = a.merge(b);
    expect(merged.spans).toBe(7);
    expect(merged.errors).toBe(2);
    expect(merged.latencyMoments).toEqual({ n: 7, sum: 1250, sumSq: 282_500 });
    expect(merged.latency.count).toBe(7);
    expect(merged.attributes.get('extra')?.moments.n).toBe(1);
    expect(merged.feedback.get('thumbs_up')?.n).toBe(2);
    const judge = merged.scores.get('judge');
    expect([judge?.moments.n, judge?.moments.sum, judge?.passed]).toEqual([4, 2, 2]);
    expect(judge?.moments.sumSq).toBeCloseTo(1.36, 12);
    expect(a.spans).toBe(3);
    expect(b.spans).toBe(4);
  });

  it('merges any number of slices, replicas included', () => {
    const total = ArmAggregate.mergeAll([sample(), sample(), sample()]);
    expect(total.spans).toBe(9);
    expect(total.latency.count).toBe(9);
    expect(ArmAggregate.mergeAll([]).spans).toBe(0);
  });

  it('round-trips through JSON exactly', () => {
    const agg = sample();
    const back = ArmAggregate.deserialize(JSON.parse(JSON.stringify(agg.serialize())));
    expect(back.serialize()).toEqual(agg.serialize());
    expect(back.latency.quantile(0.5)).toBe(agg.latency.quantile(0.5));
  });

  it('adds weighted spans as that many identical ones', () => {
    const agg = new ArmAggregate();
    agg.addSpan(span({ error: true, durationMs: 10 }), 5);
    expect([agg.spans, agg.errors, agg.latency.count]).toEqual([5, 5, 5]);
    expect(agg.latencyMoments).toEqual({ n: 5, sum: 50, sumSq: 500 });
  });

  it('rejects an unknown serialized form', () => {
    expect(() => ArmAggregate.deserialize({ ...sample().serialize(), v: 2 } as never)).toThrow(/unsupported/);
  });
});
