import { armLabels, type RolloutView } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { analysis } from '../testing/analysis-fixture.js';
import { expand, findAll, textOf } from '../testing/render-text.js';
import { MetricTable } from './metric-table.js';
import { RolloutFacts } from './rollout-facts.js';

const nowMs = Date.parse('2025-01-31T10:03:00Z');
const canary: RolloutView = {
  id: 'r1',
  pack: 'support-prompts',
  phase: 'Progressing',
  reason: 'Started',
  stableVersion: '2.3.1',
  canaryVersion: '2.4.0',
  weight: 20,
  effectiveWeight: 20,
  step: 2,
  steps: 10,
  segment: null,
  startedAt: '2025-01-31T10:00:00Z',
  updatedAt: '2025-01-31T10:00:00Z',
  endedAt: null,
};
const switched: RolloutView = {
  ...canary,
  weight: 100,
  effectiveWeight: 100,
  strategy: 'blueGreen',
  stage: 'rollbackWindow',
  stageEndsAt: '2025-01-31T10:45:00Z',
};

const fact = (rollout: RolloutView, attribute: string) => {
  const [node] = findAll(
    expand(<RolloutFacts rollout={rollout} nowMs={nowMs} />),
    (n) => attribute in n.props,
  );
  return node === undefined ? undefined : textOf([node]);
};

describe('the rollout facts', () => {
  it('say a blue-green switch, its rollback window and when it ends', () => {
    expect(fact(switched, 'data-strategy')).toBe('blue-green');
    expect(fact(switched, 'data-stage')).toBe('rollback window · ends in 42m (10:45 UTC)');
    const labels = textOf(
      findAll(expand(<RolloutFacts rollout={switched} nowMs={nowMs} />), (n) => n.tag === 'dt'),
    );
    expect(labels).toBe('oldnewweightstrategystagestarted');
  });

  it('say a preview and when the switch comes', () => {
    const preview = {
      ...switched,
      stage: 'preview' as const,
      segment: 'internal_users',
      stageEndsAt: '2025-01-31T10:15:00Z',
    };
    expect(fact(preview, 'data-stage')).toBe('preview internal_users (100%) · switch in 12m (10:15 UTC)');
  });

  it('keep the canary words and step for a canary, and for a daemon without strategy fields', () => {
    expect(fact(canary, 'data-strategy')).toBe('canary');
    expect(fact(canary, 'data-stage')).toBe('step 2/10');
    const labels = textOf(
      findAll(expand(<RolloutFacts rollout={canary} nowMs={nowMs} />), (n) => n.tag === 'dt'),
    );
    expect(labels).toBe('stablecanaryweightstrategyprogressstarted');
  });
});

describe('the metric table in a rollback window', () => {
  it('names the arms before and after the switch', () => {
    const nodes = expand(<MetricTable analysis={analysis} labels={armLabels(switched)} />);
    expect(textOf(findAll(nodes, (n) => n.tag === 'th'))).toBe(
      'Metricbefore switch 2.3.1after switch 2.4.0Statusn (before switch / after switch)',
    );
  });
});
