import { describe, expect, it } from 'vitest';
import { loadScenario } from './scenario.js';
import { SeededRandom } from './seeded-random.js';
import { TrafficGenerator } from './traffic-generator.js';

const scenario = loadScenario('success');

describe('TrafficGenerator', () => {
  it('stops at maxRequests, with sticky sessions of the scenario shape and a share of segment sessions', async () => {
    const seen = new Map<string, number>();
    const attributes = new Map<string, Record<string, unknown>>();
    const generator = new TrafficGenerator({
      traffic: { ...scenario.traffic, internalShare: 0.2, betaShare: 0.2 },
      requestsPerSecond: 2000,
      maxRequests: 400,
      durationMs: 10_000,
      random: new SeededRandom(3),
      answer: async (session) => {
        seen.set(session.id, (seen.get(session.id) ?? 0) + 1);
        attributes.set(session.id, session.attributes);
        return {
          version: '2.3.1',
          systemPrompt: 'You are a support agent.',
          temperature: 0.5,
          role: 'stable',
          reason: 'STATIC',
          latencyMs: 10,
          error: false,
        };
      },
    });
    const stats = await generator.run();
    expect(stats.requests).toBe(400);
    expect(stats.byRole.stable.requests).toBe(400);
    const { min, max } = scenario.traffic.requestsPerSession;
    for (const count of seen.values()) expect(count).toBeLessThanOrEqual(max);
    expect([...seen.values()].some((c) => c >= min)).toBe(true);
    const internal = [...attributes.values()].filter((a) => a.plan === 'internal').length / attributes.size;
    const beta = [...attributes.values()].filter((a) => a.beta === true).length / attributes.size;
    expect(internal).toBeGreaterThan(0.1);
    expect(beta).toBeGreaterThan(0.1);
  });

  it('stops when told to, after the requests in flight', async () => {
    const generator = new TrafficGenerator({
      traffic: scenario.traffic,
      requestsPerSecond: 100,
      maxRequests: 1_000_000,
      durationMs: 60_000,
      random: new SeededRandom(4),
      answer: async () => ({
        version: '2.4.0',
        systemPrompt: 'You are a support agent.',
        temperature: 0.5,
        role: 'canary',
        reason: 'SPLIT',
        latencyMs: 5,
        error: true,
      }),
    });
    setTimeout(() => generator.stop(), 300);
    const stats = await generator.run();
    expect(stats.requests).toBeGreaterThan(0);
    expect(stats.requests).toBeLessThan(100);
    expect(stats.byRole.canary.errors).toBe(stats.requests);
  });
});
