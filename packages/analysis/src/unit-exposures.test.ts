import { describe, expect, it } from 'vitest';
import { UnitExposures, type UnitExposuresJsonV1 } from './unit-exposures.js';

function filled(n: number, cap = 1_000_000): UnitExposures {
  const e = new UnitExposures(cap);
  for (let i = 0; i < n; i++) e.add(`unit-${i}`, i % 10 === 0 ? 'canary' : 'stable', 0.1, 1_000 + i);
  return e;
}

describe('UnitExposures serialization', () => {
  it('round-trips exactly, and the same set serializes the same whatever the order of adds', () => {
    const a = filled(500);
    const b = new UnitExposures(1_000_000);
    for (let i = 499; i >= 0; i--) b.add(`unit-${i}`, i % 10 === 0 ? 'canary' : 'stable', 0.1, 1_000 + i);
    expect(JSON.stringify(b.serialize())).toBe(JSON.stringify(a.serialize()));
    const again = UnitExposures.deserialize(JSON.parse(JSON.stringify(a.serialize())));
    expect(again.counts()).toEqual(a.counts());
    expect(again.serialize()).toEqual(a.serialize());
  });

  it('still reads the first form, whose keys were base-36 text', () => {
    const current = filled(40).serialize();
    const v1: UnitExposuresJsonV1 = {
      v: 1,
      cap: current.cap,
      level: current.level,
      t0: current.t0,
      shares: current.shares,
      keys: current.k.map((key) => key.toString(36).padStart(11, '0')).join(''),
      arms: current.arms,
      share: current.share,
      dt: current.dt,
    };
    expect(UnitExposures.deserialize(v1).serialize()).toEqual(current);
  });
});
