import { describe, expect, it } from 'vitest';
import { versionContentText } from './version-content-text.js';

describe('versionContentText', () => {
  it('writes prompts, model parameters and attributes in name order, one per line', () => {
    expect(
      versionContentText({
        prompts: { system: { text: 'Be brief.\n', role: 'system' }, greeting: { text: 'Hi!' } },
        model: { name: 'gpt-x', provider: 'openai', parameters: { temperature: 0.2, max_tokens: 400 } },
        attributes: { tags: ['a', 'b'] },
      }),
    ).toBe(
      '# prompt: greeting\nHi!\n# prompt: system (role: system)\nBe brief.\n# model: gpt-x (openai)\nmax_tokens: 400\ntemperature: 0.2\n# attributes\ntags: ["a","b"]\n',
    );
  });

  it('is empty for no version and for a version without content', () => {
    expect(versionContentText(null)).toBe('');
    expect(versionContentText({ prompts: {}, model: null, attributes: {} })).toBe('');
  });
});
