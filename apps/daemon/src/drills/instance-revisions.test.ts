import { describe, expect, it } from 'vitest';
import { InstanceRevisions, MAX_INSTANCES_PER_FLAG } from './instance-revisions.js';

describe('InstanceRevisions', () => {
  it("keeps each instance's highest revision per flag and when it was last seen", () => {
    const now = { ms: 1_000 };
    const revisions = new InstanceRevisions(() => now.ms);
    revisions.seen('p', 'a', '7');
    revisions.seen('p', 'a', '5'); // a late span from before the push does not undo it
    now.ms = 2_000;
    revisions.seen('p', 'b', '6');
    revisions.seen('q', 'a', '9');
    revisions.seen('p', 'c', 'not-a-number');
    expect(revisions.instances('p', 10_000)).toEqual([
      { instance: 'a', revision: 7, lastSeenMs: 1_000 },
      { instance: 'b', revision: 6, lastSeenMs: 2_000 },
    ]);
    expect(revisions.instances('p', 500).map((i) => i.instance)).toEqual(['b']);
  });

  it('stays bounded, dropping the instance seen longest ago', () => {
    const now = { ms: 0 };
    const revisions = new InstanceRevisions(() => now.ms);
    for (let i = 0; i <= MAX_INSTANCES_PER_FLAG; i++) {
      now.ms = i + 1;
      revisions.seen('p', `i-${i}`, '1');
    }
    const seen = revisions.instances('p', Number.POSITIVE_INFINITY);
    expect(seen).toHaveLength(MAX_INSTANCES_PER_FLAG);
    expect(seen.some((i) => i.instance === 'i-0')).toBe(false);
  });
});
