import { describe, expect, it } from 'vitest';
import { recordingTerminal } from '../testing/recording-terminal.js';
import { contentText, fileContent, renderContentDiff } from './content-diff.js';
import { inlinePromptFiles } from './prompt-files.js';

const colors = recordingTerminal().colors;

describe('the content diff', () => {
  const old = {
    prompts: { system: { text: 'You are a support agent.\nBe brief.' } },
    model: { name: 'gpt-x', parameters: { temperature: 0.2, max_tokens: 400 } },
    attributes: {},
  };
  const next = {
    prompts: {
      system: { text: 'You are a support agent.\nBe warm.' },
      greeting: { text: 'Hi!', role: 'assistant' },
    },
    model: { name: 'gpt-x', parameters: { temperature: 0.7, max_tokens: 400 } },
    attributes: { tone: 'warm' },
  };

  it('shows changed prompt lines and model parameters as a unified diff', () => {
    const diff = renderContentDiff(old, next, { fromLabel: 'p 2.3.1', toLabel: 'p 2.4.0', colors });
    expect(diff.changed).toBe(true);
    const text = diff.lines.join('\n');
    expect(text).toContain('--- p 2.3.1');
    expect(text).toContain('+++ p 2.4.0');
    expect(diff.lines).toContain('-Be brief.');
    expect(diff.lines).toContain('+Be warm.');
    expect(diff.lines).toContain('-temperature: 0.2');
    expect(diff.lines).toContain('+temperature: 0.7');
    expect(diff.lines).toContain('+# prompt: greeting (role: assistant)');
    expect(diff.lines).toContain('+tone: "warm"');
    expect(diff.lines).not.toContain('-max_tokens: 400');
  });

  it('is empty for the same content written another way', () => {
    const file = fileContent({
      spec: {
        prompts: { system: 'You are a support agent.\nBe brief.' },
        model: { name: 'gpt-x', parameters: { max_tokens: 400, temperature: 0.2 } },
      },
    });
    expect(contentText(file)).toBe(contentText(old));
    expect(renderContentDiff(old, file, { fromLabel: 'a', toLabel: 'b', colors })).toEqual({
      changed: false,
      lines: [],
    });
  });

  it('reads {file} prompts relative to the pack file, keeping the role', async () => {
    const read: string[] = [];
    const { document, read: count } = await inlinePromptFiles(
      {
        spec: {
          version: '1',
          prompts: { system: { file: './prompts/system.md', role: 'system' }, hi: 'Hi' },
        },
      },
      '/packs/support.yaml',
      async (path) => {
        read.push(path);
        return 'From the file.\n';
      },
    );
    expect(count).toBe(1);
    expect(read).toEqual(['/packs/prompts/system.md']);
    expect(document).toEqual({
      spec: { version: '1', prompts: { system: { role: 'system', text: 'From the file.\n' }, hi: 'Hi' } },
    });
    await expect(
      inlinePromptFiles({ spec: { prompts: { system: { file: 'missing.md' } } } }, 'pack.yaml', async () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      }),
    ).rejects.toThrow('spec.prompts.system: cannot read missing.md (ENOENT)');
  });
});
