import { describe, expect, it } from 'vitest';
import { extractSpanObservation, isSplitReason, UNIT_ATTRIBUTE } from './extract-span-observation.js';

const timing = { endTimeMs: 1_700_000_000_000, durationMs: 1240, error: false };

describe('extractSpanObservation', () => {
  it('reads flag, variant, tokens and model, and prices the request from the table', () => {
    const obs = extractSpanObservation(
      {
        'feature_flag.key': 'support-prompts',
        'feature_flag.result.variant': '2.4.0',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': '500',
        'gen_ai.request.model': 'gpt-x',
        'gen_ai.prompt': 'secret prompt text',
      },
      timing,
      { costs: { 'gpt-x': { input: 0.0025, output: 0.01 } } },
    );
    expect(obs).toEqual({
      flagKey: 'support-prompts',
      variant: '2.4.0',
      splitAssigned: true,
      endTimeMs: timing.endTimeMs,
      durationMs: 1240,
      error: false,
      inputTokens: 1000,
      outputTokens: 500,
      model: 'gpt-x',
      cost: 0.0025 + 0.005,
      attributes: {},
    });
    expect(JSON.stringify(obs)).not.toContain('secret');
  });

  it('prefers a cost attribute over the price table', () => {
    const obs = extractSpanObservation(
      {
        'feature_flag.key': 'f',
        'feature_flag.result.variant': 'v',
        'app.cost': 0.2,
        'gen_ai.request.model': 'm',
      },
      timing,
      { costAttribute: 'app.cost', costs: { m: { input: 1, output: 1 } } },
    );
    expect(obs?.cost).toBe(0.2);
  });

  it('returns nothing for spans without a flag key or variant', () => {
    expect(extractSpanObservation({ 'feature_flag.key': 'f' }, timing)).toBeUndefined();
    expect(extractSpanObservation({ 'feature_flag.result.variant': 'v' }, timing)).toBeUndefined();
  });

  it('takes only the attributes custom metrics name, booleans and numbers alike', () => {
    const obs = extractSpanObservation(
      {
        'feature_flag.key': 'f',
        'feature_flag.variant': 'v',
        'app.tool_call.correct': 'true',
        'app.score': 3,
        'app.other': 1,
      },
      timing,
      { metricAttributes: ['app.tool_call.correct', 'app.score', 'app.missing'] },
    );
    expect(obs?.variant).toBe('v');
    expect(obs?.attributes).toEqual({ 'app.tool_call.correct': true, 'app.score': 3 });
  });

  it('tells split assignments from targeting matches', () => {
    const reasonOf = (reason: string) =>
      extractSpanObservation(
        { 'feature_flag.key': 'f', 'feature_flag.result.variant': 'v', 'feature_flag.result.reason': reason },
        timing,
      );
    expect(reasonOf('SPLIT')?.splitAssigned).toBe(true);
    expect(reasonOf('split')?.splitAssigned).toBe(true);
    expect(reasonOf('TARGETING_MATCH')).toMatchObject({ splitAssigned: false, reason: 'TARGETING_MATCH' });
    expect(isSplitReason(undefined)).toBe(true);
    expect(isSplitReason('DEFAULT')).toBe(false);
  });
});

describe('extractSpanObservation: the assignment unit', () => {
  it('reads feature_flag.context.id as the unit, numbers included, and leaves it out when absent', () => {
    const timing = { endTimeMs: 0, durationMs: 10, error: false };
    const base = { 'feature_flag.key': 'support-prompts', 'feature_flag.result.variant': '2.4.0' };
    expect(extractSpanObservation({ ...base, [UNIT_ATTRIBUTE]: 'sess-1' }, timing)?.unit).toBe('sess-1');
    expect(extractSpanObservation({ ...base, [UNIT_ATTRIBUTE]: 42 }, timing)?.unit).toBe('42');
    expect(extractSpanObservation({ ...base, [UNIT_ATTRIBUTE]: '' }, timing)?.unit).toBeUndefined();
    expect(extractSpanObservation(base, timing)).not.toHaveProperty('unit');
  });
});
