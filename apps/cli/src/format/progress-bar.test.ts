import { describe, expect, it } from 'vitest';
import { renderProgressBar } from './progress-bar.js';

describe('the progress bar', () => {
  it('fills in proportion to the weight', () => {
    expect(renderProgressBar({ weight: 50, steps: [], width: 10, ascii: true })).toBe('[#####-----]');
    expect(renderProgressBar({ weight: 0, steps: [], width: 10, ascii: true })).toBe('[----------]');
    expect(renderProgressBar({ weight: 100, steps: [], width: 10, ascii: true })).toBe('[##########]');
  });

  it('marks the steps still ahead', () => {
    expect(renderProgressBar({ weight: 20, steps: [20, 50, 80, 100], width: 10, ascii: true })).toBe(
      '[##--|--|--]',
    );
  });

  it('clamps weights outside 0–100 and uses blocks by default', () => {
    expect(renderProgressBar({ weight: 140, steps: [], width: 4 })).toBe('[████]');
    expect(renderProgressBar({ weight: -5, steps: [50], width: 4 })).toBe('[░│░░]');
  });
});
