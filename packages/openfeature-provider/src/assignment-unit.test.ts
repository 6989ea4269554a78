import type { Flag, Rule } from '@prompt-canary/rules';
import { describe, expect, it } from 'vitest';
import { assignmentUnit, bucketingAttribute } from './assignment-unit.js';

const split = (bucketBy?: string): Rule['serve'] => ({
  split: {
    ...(bucketBy === undefined ? {} : { bucketBy }),
    arms: [
      { variant: 'b', weight: 10 },
      { variant: 'a', weight: 90 },
    ],
  },
});

const flag = (over: Partial<Flag>): Flag => ({
  key: 'f',
  state: 'ENABLED',
  variants: { a: 'A', b: 'B' },
  defaultVariant: 'a',
  ...over,
});

describe('bucketingAttribute', () => {
  it('is the split’s bucketBy, targetingKey by default, and nothing for a flag that splits nothing', () => {
    expect(bucketingAttribute(flag({ rules: [{ serve: split('sessionId') }] }))).toBe('sessionId');
    expect(bucketingAttribute(flag({ rules: [{ serve: split() }] }))).toBe('targetingKey');
    expect(bucketingAttribute(flag({ rules: [{ serve: { variant: 'b' } }] }))).toBeUndefined();
    expect(bucketingAttribute(flag({}))).toBeUndefined();
  });

  it('takes the ramp (the first split without a segment) over segment splits, else the first segment split', () => {
    const rules: Rule[] = [
      { segment: { plan: 'internal' }, serve: split('user_id') },
      { serve: split('tenant_id') },
    ];
    expect(bucketingAttribute(flag({ rules }))).toBe('tenant_id');
    expect(bucketingAttribute(flag({ rules: rules.slice(0, 1) }))).toBe('user_id');
  });

  it('reads a flagd fractional: targetingKey without a bucketing expression, its one variable, or none', () => {
    const buckets = [
      ['a', 50],
      ['b', 50],
    ];
    expect(bucketingAttribute(flag({ targeting: { fractional: buckets } }))).toBe('targetingKey');
    const byEmail = { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ...buckets] };
    expect(bucketingAttribute(flag({ targeting: { if: [true, byEmail, null] } }))).toBe('email');
    const compound = { fractional: [{ cat: [{ var: 'a' }, { var: 'b' }] }, ...buckets] };
    expect(bucketingAttribute(flag({ targeting: compound }))).toBe('');
    expect(bucketingAttribute(flag({ targeting: { if: [true, 'a', 'b'] } }))).toBeUndefined();
  });
});

describe('assignmentUnit', () => {
  it('reads the attribute named by flagMetadata.bucketBy, targetingKey without it, nested with dots', () => {
    const context = { targetingKey: 'user-1', tenant_id: 'acme', org: { id: 7 } };
    expect(assignmentUnit(context, {})).toBe('user-1');
    expect(assignmentUnit(context, { bucketBy: 'tenant_id' })).toBe('acme');
    expect(assignmentUnit(context, { bucketBy: 'org.id' })).toBe('7');
  });

  it('has no unit when the attribute is missing or an object, or the flag has no single attribute', () => {
    expect(assignmentUnit({}, {})).toBeUndefined();
    expect(
      assignmentUnit({ targetingKey: 'u', tenant_id: { nested: true } }, { bucketBy: 'tenant_id' }),
    ).toBeUndefined();
    expect(assignmentUnit({ targetingKey: 'u' }, { bucketBy: '' })).toBeUndefined();
  });
});
