import { describe, expect, it } from 'vitest';
import { expand, textOf } from '../testing/render-text.js';
import { contentDiffLines } from './content-diff.js';
import { ContentDiff } from './content-diff-view.js';

const stable = {
  prompts: { system: { text: 'You are a support agent.\nBe brief.' } },
  model: { name: 'gpt-x', parameters: { temperature: 0.2 } },
  attributes: {},
};
const canary = {
  prompts: { system: { text: 'You are a support agent.\nBe warm.' } },
  model: { name: 'gpt-x', parameters: { temperature: 0.7 } },
  attributes: {},
};

describe('the content diff of a rollout', () => {
  it('marks removed and added lines of prompts and model parameters', () => {
    const lines = contentDiffLines(stable, canary);
    expect(lines.filter((l) => l.kind === 'removed').map((l) => l.text)).toEqual([
      '-Be brief.',
      '-temperature: 0.2',
    ]);
    expect(lines.filter((l) => l.kind === 'added').map((l) => l.text)).toEqual([
      '+Be warm.',
      '+temperature: 0.7',
    ]);
    expect(contentDiffLines(stable, stable)).toEqual([]);
  });

  it('renders the lines with their kind, and says so when nothing changed', () => {
    const nodes = expand(
      <ContentDiff pack="p" from="2.3.1" to="2.4.0" lines={contentDiffLines(stable, canary)} note={null} />,
    );
    const text = textOf(nodes);
    expect(text).toContain('Content: p 2.3.1 → 2.4.0');
    expect(text).toContain('-Be brief.\n');
    expect(text).toContain('+Be warm.\n');
    expect(JSON.stringify(nodes)).toContain('"class":"diff-added"');
    expect(textOf(expand(<ContentDiff pack="p" from="a" to="b" lines={[]} note={null} />))).toContain(
      'the same prompts',
    );
  });
});
