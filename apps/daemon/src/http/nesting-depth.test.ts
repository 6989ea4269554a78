import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';
import { jsonDepthExceeds, MAX_BODY_DEPTH, yamlDepthExceeds } from './nesting-depth.js';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('nesting depth', () => {
  it('measures parsed JSON at any depth without recursing', () => {
    expect(jsonDepthExceeds(JSON.parse(nested(MAX_BODY_DEPTH)))).toBe(false);
    expect(jsonDepthExceeds(JSON.parse(nested(MAX_BODY_DEPTH + 1)))).toBe(true);
    expect(jsonDepthExceeds(JSON.parse(nested(200_000)))).toBe(true);
    expect(jsonDepthExceeds({ a: [{ b: 'x' }] }, 3)).toBe(false);
    expect(jsonDepthExceeds({ a: [{ b: {} }] }, 3)).toBe(true);
  });

  it('bounds YAML from its tokens: flow brackets, indentation and indicators, not brackets in strings', () => {
    expect(yamlDepthExceeds(`a: ${nested(MAX_BODY_DEPTH)}`)).toBe(true);
    expect(yamlDepthExceeds(`a: ${nested(100)}`)).toBe(false);
    expect(
      yamlDepthExceeds(`a: "${'['.repeat(5000)}"\nb: '${'{'.repeat(5000)}'\n# ${'['.repeat(5000)}`),
    ).toBe(false);
    expect(yamlDepthExceeds(`a: |\n${'  ['.repeat(5000)}\n`)).toBe(false);
    expect(yamlDepthExceeds(`a: ${'- '.repeat(200)}x`)).toBe(true);
    const block = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(yamlDepthExceeds(block)).toBe(true);
  });
});

describe('deeply nested admin bodies (regression)', () => {
  // A 80 KB YAML body of 40,000 nested flow sequences aborted the whole daemon (V8 out of memory in the YAML
  // composer); a flag whose targeting nests 5,000 levels answered 500 (stack overflow compiling it).
  it('answers 400 invalid_body instead of crashing the daemon or answering 500', async () => {
    const d = createTestDaemon();
    const yaml = await d.request('/api/v1/packs/deep', { method: 'PUT', yaml: `spec: ${nested(40_000)}` });
    expect(yaml.status).toBe(400);
    expect(await yaml.json()).toMatchObject({
      code: 'invalid_body',
      message: expect.stringContaining('deeper'),
    });
    const targeting = `{"state":"ENABLED","variants":{"on":true},"defaultVariant":"on","targeting":${'{"!":['.repeat(5000)}true${']}'.repeat(5000)}}`;
    const flag = await d.request('/api/v1/flags/deep', {
      method: 'PUT',
      body: targeting,
      headers: { 'content-type': 'application/json' },
    });
    expect(flag.status).toBe(400);
    expect(await flag.json()).toMatchObject({ code: 'invalid_body' });
  });

  it('still accepts real documents with ordinary nesting', async () => {
    const d = createTestDaemon();
    let rule: unknown = true;
    for (let i = 0; i < 40; i++) rule = { '!': [rule] };
    const res = await d.request('/api/v1/flags/nested', {
      method: 'PUT',
      json: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: { if: [rule, 'on', 'off'] },
      },
    });
    expect(res.status).toBeLessThan(300);
  });
});
