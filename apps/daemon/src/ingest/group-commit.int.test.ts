import { afterEach, describe, expect, it } from 'vitest';
import { decodeTraces } from '../otlp/decode-traces.js';
import type { OtlpSpan } from '../otlp/ingest-sink.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { AggregatingIngestSink } from './aggregating-ingest-sink.js';
import { LiveRolloutIndex } from './live-rollout-index.js';
import type { SliceStore } from './slice-store.js';
import { PACK, startRollout } from './testing/live-rollout.js';
import { flagAttributes, otlpTraces } from './testing/otlp-json.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

function spans(d: TestDaemon, variant: string, n: number): OtlpSpan[] {
  const body = otlpTraces(
    Array.from({ length: n }, (_, i) => ({
      endMs: d.clock.now() + 1000 + i,
      durationMs: 100,
      attributes: { ...flagAttributes(PACK, variant, 'split'), 'feature_flag.context.id': `${variant}-${i}` },
    })),
  );
  return decodeTraces(new TextEncoder().encode(JSON.stringify(body)), 'json').spans;
}

/** A sink on the daemon's store whose commits are counted (and can be made to fail), flushed by hand. */
async function setup() {
  const d = createTestDaemon({}, undefined, { startController: false });
  daemons.push(d);
  const id = await startRollout(d);
  const store = d.ctx.store.slices;
  const seen = { commits: 0, fail: false };
  const slices: SliceStore = {
    commit: (...args) => {
      seen.commits += 1;
      if (seen.fail) throw new Error('disk full');
      store.commit(...args);
    },
    read: (query) => store.read(query),
    source: (rolloutId) => store.source(rolloutId),
    exposures: (rolloutId, fromMs) => store.exposures(rolloutId, fromMs),
    pruneFinishedBefore: (cutoffMs) => store.pruneFinishedBefore(cutoffMs),
    holdBaseline: (pack, version) => store.holdBaseline(pack, version),
    deleteBaseline: (pack) => store.deleteBaseline(pack),
    pruneBaselines: (holdMs) => store.pruneBaselines(holdMs),
  };
  const flushes: Array<() => void> = [];
  const sink = new AggregatingIngestSink({
    index: new LiveRolloutIndex(d.ctx.store.rollouts, store),
    slices,
    traces: d.ctx.store.traces,
    sliceMs: 10_000,
    defer: (fn) => flushes.push(fn),
  });
  const counts = () => {
    const read = store.read({ rolloutId: id, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
    return read.reduce((n, s) => n + s.aggregate.spans, 0);
  };
  return { d, id, sink, seen, flushes, counts };
}

describe('group commit of OTLP requests', () => {
  it('commits requests that arrive together in one transaction, and answers none before it', async () => {
    const { d, id, sink, seen, flushes, counts } = await setup();
    let answered = 0;
    const a = sink.acceptSpans(spans(d, '2.3.1', 40)).then(() => answered++);
    const b = sink.acceptSpans(spans(d, '2.4.0', 7)).then(() => answered++);
    await Promise.resolve();
    expect([answered, seen.commits, counts(), flushes.length]).toEqual([0, 0, 0, 1]);
    flushes.shift()?.();
    await Promise.all([a, b]);
    expect([answered, seen.commits, counts()]).toEqual([2, 1, 47]);
    expect(d.ctx.store.slices.exposures(id).counts()).toMatchObject({ stable: 40, canary: 7 });
  });

  it('refuses every request of a group whose commit fails, and writes nothing of it', async () => {
    const { d, sink, seen, flushes, counts } = await setup();
    seen.fail = true;
    const a = sink.acceptSpans(spans(d, '2.3.1', 10));
    const b = sink.acceptSpans(spans(d, '2.4.0', 3));
    flushes.shift()?.();
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
    expect(counts()).toBe(0);
    // The next group starts afresh.
    seen.fail = false;
    const c = sink.acceptSpans(spans(d, '2.4.0', 2));
    flushes.shift()?.();
    await c;
    expect(counts()).toBe(2);
  });
});
