import type { EvaluationDetails, FlagValue } from '@openfeature/server-sdk';
import { type Attributes, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import type { FlagSet } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTEXT_ID_KEY, hashContextId } from './context-id.js';
import { FeatureFlagAttributeCache, featureFlagAttributes, unitBucket } from './feature-flag-attributes.js';
import { FlagResolver } from './flag-resolver.js';
import { FEATURE_FLAG_INHERITED, FlagSpanProcessor } from './flag-span-processor.js';
import { RecentMap } from './recent-map.js';

const flags = (stable: string): FlagSet => ({
  f: { key: 'f', state: 'ENABLED', variants: { a: stable, b: 'B' }, defaultVariant: 'a' },
});

describe('kept resolutions', () => {
  it('answers the same frozen details and settled promise while the config stays, new ones after it changes', async () => {
    const resolver = new FlagResolver();
    resolver.load({ schemaVersion: 1, revision: 1, flags: flags('A') });
    const first = resolver.resolve('f', 'string', 'x', { targetingKey: 'u' }, 0, false);
    expect(first).toEqual({ value: 'A', variant: 'a', reason: 'STATIC', flagMetadata: { version: '1' } });
    expect(resolver.resolve('f', 'string', 'x', { targetingKey: 'v' }, 0, false)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const settled = resolver.resolveSettled('f', 'string', 'x', {}, 0, false);
    expect(resolver.resolveSettled('f', 'string', 'x', {}, 0, false)).toBe(settled);
    expect(await settled).toBe(first);
    // Another type is not the kept answer: a type mismatch, as before.
    expect(resolver.resolve('f', 'number', 7, {}, 0, false)).toMatchObject({
      value: 7,
      errorCode: 'TYPE_MISMATCH',
    });
    // A new revision with the same flags: same value, new version.
    resolver.load({ schemaVersion: 1, revision: 2, flags: flags('A') });
    expect(await resolver.resolveSettled('f', 'string', 'x', {}, 0, false)).toEqual({
      ...first,
      flagMetadata: { version: '2' },
    });
    resolver.load({ schemaVersion: 1, revision: 3, flags: flags('A2') });
    expect(resolver.resolve('f', 'string', 'x', {}, 0, false)).toMatchObject({ value: 'A2', variant: 'a' });
  });
});

const hookContext = { flagKey: 'f', providerMetadata: { name: 'prompt-canary' } };
const details = (over: Partial<EvaluationDetails<FlagValue>> = {}): EvaluationDetails<FlagValue> => ({
  flagKey: 'f',
  value: 'A',
  variant: 'a',
  reason: 'SPLIT',
  flagMetadata: { version: '1' },
  ...over,
});

describe('FeatureFlagAttributeCache', () => {
  it('answers featureFlagAttributes, the same frozen object for the same outcome', () => {
    const cache = new FeatureFlagAttributeCache();
    const one = cache.of(hookContext, details());
    expect(one).toEqual(featureFlagAttributes(hookContext, details()));
    expect(cache.of(hookContext, details())).toBe(one);
    expect(Object.isFrozen(one)).toBe(true);
    for (const over of [
      { value: 'A2' },
      { reason: 'STATIC' },
      { flagMetadata: { version: '2' } },
      { variant: 'b', value: 'B' },
      { errorCode: 'GENERAL' as never, errorMessage: 'x' },
      { value: { nested: true } },
    ]) {
      const got = cache.of(hookContext, details(over));
      expect(got).toEqual(featureFlagAttributes(hookContext, details(over)));
      expect(got).not.toBe(one);
    }
    expect(cache.of({ ...hookContext, providerMetadata: { name: 'other' } }, details())).toMatchObject({
      'feature_flag.provider.name': 'other',
    });
    const withoutValue = new FeatureFlagAttributeCache({ includeValue: false });
    expect(withoutValue.of(hookContext, details())).not.toHaveProperty('feature_flag.result.value');
  });
});

describe('FeatureFlagAttributeCache with units', () => {
  it('adds the unit’s id, the same frozen object while the unit’s outcome stays, a new one (same id) when it moves', () => {
    const cache = new FeatureFlagAttributeCache();
    const withUnit = { ...hookContext, context: { targetingKey: 'session-1' } };
    const first = cache.of(withUnit, details());
    expect(first).toEqual({
      ...featureFlagAttributes(hookContext, details()),
      'feature_flag.context.id': hashContextId(DEFAULT_CONTEXT_ID_KEY, 'f', 'session-1'),
      'promptcanary.bucket': unitBucket('f', 'session-1'),
    });
    expect(first).toEqual(featureFlagAttributes(withUnit, details()));
    expect(Object.isFrozen(first)).toBe(true);
    expect(cache.of(withUnit, details())).toBe(first);
    const moved = cache.of(withUnit, details({ variant: 'b', value: 'B' }));
    expect(moved).not.toBe(first);
    expect(moved['feature_flag.context.id']).toBe(first['feature_flag.context.id']);
    expect(cache.of({ ...hookContext, context: { targetingKey: 'session-2' } }, details())).not.toEqual(
      first,
    );
    // Without a unit in the context, the outcome's own object, as before.
    expect(cache.of({ ...hookContext, context: {} }, details())).toBe(cache.of(hookContext, details()));
  });
});

describe('RecentMap', () => {
  it('keeps at most two generations and moves what is read forward', () => {
    const recent = new RecentMap<number>(2);
    recent.set('a', 1);
    recent.set('b', 2);
    recent.set('c', 3); // a and b are now the previous generation
    expect(recent.get('a')).toBe(1); // moved forward
    recent.set('d', 4); // c and a become previous; b is dropped
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('a')).toBe(1);
    expect(recent.size).toBeLessThanOrEqual(4);
  });
});

/** A span as the processor sees it: events and attributes recorded. */
function fakeSpan(events: Array<{ name: string; attributes?: Attributes }> = []) {
  const recorded = { events, attributes: {} as Attributes };
  const span = {
    events,
    addEvent(name: string, attributes?: Attributes) {
      events.push({ name, attributes: { ...attributes } });
      return span;
    },
    setAttributes(attributes: Attributes) {
      Object.assign(recorded.attributes, attributes);
      return span;
    },
  };
  return { span: span as unknown as Span, recorded };
}

describe('FlagSpanProcessor', () => {
  it('copies the parent’s latest assignment, marked inherited, and follows a parent whose values change', () => {
    const processor = new FlagSpanProcessor();
    const inherit = (parentAttributes: Attributes) => {
      const parent = fakeSpan([{ name: 'feature_flag.evaluation', attributes: parentAttributes }]);
      const child = fakeSpan();
      processor.onStart(child.span, trace.setSpan(ROOT_CONTEXT, parent.span));
      return child.recorded;
    };
    const a = featureFlagAttributes(hookContext, details());
    const first = inherit({ ...a });
    expect(first.attributes).toEqual({ ...a, [FEATURE_FLAG_INHERITED]: true });
    expect(first.events).toEqual([
      { name: 'feature_flag.evaluation', attributes: { ...a, [FEATURE_FLAG_INHERITED]: true } },
    ]);
    const b = featureFlagAttributes(hookContext, details({ variant: 'b', value: 'B' }));
    expect(inherit({ ...b }).attributes).toEqual({ ...b, [FEATURE_FLAG_INHERITED]: true });
    const { 'feature_flag.result.value': _dropped, ...fewer } = a;
    expect(inherit(fewer).attributes).toEqual({ ...fewer, [FEATURE_FLAG_INHERITED]: true });
  });
});
