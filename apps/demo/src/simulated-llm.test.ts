import { describe, expect, it } from 'vitest';
import { loadScenario } from './scenario.js';
import { SeededRandom } from './seeded-random.js';
import { simulateAnswer } from './simulated-llm.js';

describe('simulateAnswer', () => {
  const { stable } = loadScenario('success');

  it('follows the profile: error rate, tokens, tool calls and feedback', () => {
    const random = new SeededRandom(5);
    const answers = Array.from({ length: 20_000 }, () => simulateAnswer(stable, random));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ok = answers.filter((a) => !a.error);
    expect(1 - ok.length / answers.length).toBeCloseTo(stable.errorRate, 2);
    expect(mean(ok.map((a) => a.inputTokens)) / stable.inputTokens).toBeCloseTo(1, 1);
    const tools = answers.filter((a) => a.toolCallCorrect !== undefined);
    expect(tools.length / answers.length).toBeCloseTo(stable.toolCallRate, 1);
    expect(tools.filter((a) => a.toolCallCorrect).length / tools.length).toBeCloseTo(
      stable.toolCallAccuracy,
      1,
    );
    const rated = answers.flatMap((a) => (a.feedback ? [a.feedback.rating] : []));
    expect(rated.length / ok.length).toBeCloseTo(stable.feedback.rate, 1);
    expect(Math.abs(mean(rated) - stable.feedback.satisfaction)).toBeLessThan(0.15);
    expect(answers.every((a) => a.model === stable.model)).toBe(true);
  });

  it('gives failed answers no feedback', () => {
    const random = new SeededRandom(6);
    const failing = { ...stable, errorRate: 1 };
    for (let i = 0; i < 100; i++) expect(simulateAnswer(failing, random).feedback).toBeUndefined();
  });

  it('replays the same answers from the same seed', () => {
    const run = () => {
      const random = new SeededRandom(11);
      return Array.from({ length: 50 }, () => simulateAnswer(stable, random));
    };
    expect(run()).toEqual(run());
  });
});
