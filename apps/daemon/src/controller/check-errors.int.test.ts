import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { passingChecks } from './testing/machine-driver.js';
import { ScriptedAnalysis } from './testing/scripted-analysis.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 10,
        stepInterval: '5m',
        analysis: {
          interval: '1m',
          metrics: [{ name: 'latency_p99', threshold: '3000ms', comparison: '<=' }],
        },
      },
    },
  };
}

const opened: TestDaemon[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

/** A daemon whose log lines are kept, parsed. */
function daemonWithLog(analysis: ScriptedAnalysis) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const d = createTestDaemon({}, new ManualClock(T0), { analysis, logger });
  opened.push(d);
  return { d, lines };
}

async function startRollout(d: TestDaemon): Promise<string> {
  await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1') });
  const res = await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.4.0') });
  return (await res.json()).rollout.id;
}

/** The value of one sample line of `/metrics`, 0 when absent. */
async function metric(d: TestDaemon, line: string): Promise<number> {
  const text = await (await d.request('/metrics', { as: 'read' })).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

test('an analysis that throws is counted as a check error (not a hold), logged with the rollout and shown in lastCheck', async () => {
  const analysis = new ScriptedAnalysis();
  const { d, lines } = daemonWithLog(analysis);
  const id = await startRollout(d);
  analysis.script = () => {
    throw new Error('slice table unreadable');
  };
  d.clock.advance(MIN);

  expect(
    await metric(d, 'canaryd_controller_check_errors_total{pack="support-prompts",stage="analysis"}'),
  ).toBe(1);
  expect(await metric(d, 'canaryd_controller_checks_total{decision="error"}')).toBe(1);
  expect(await metric(d, 'canaryd_controller_checks_total{decision="hold"}')).toBe(0);
  const logged = lines.find((l) => l.msg === 'rollout check failed: analysis threw');
  expect(logged).toMatchObject({ level: 50, rollout: id, pack: 'support-prompts', stage: 'analysis' });
  expect((logged?.err as { message?: string })?.message).toBe('slice table unreadable');

  const detail = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
  expect(detail.lastCheck.error).toBe('analysis failed: slice table unreadable');
  const shown = await (await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' })).json();
  expect(shown.lastCheck.error).toBe('analysis failed: slice table unreadable');

  // The next look that runs clears the error and counts as what it decided.
  analysis.script = (rollout) => passingChecks(rollout);
  d.clock.advance(MIN);
  const after = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
  expect(after.lastCheck.error).toBeUndefined();
  expect(await metric(d, 'canaryd_controller_checks_total{decision="error"}')).toBe(1);
  expect(await metric(d, 'canaryd_controller_checks_total{decision="hold"}')).toBe(1);
});

test('a look whose commit fails is counted and logged, writes nothing, and is retried until it commits', async () => {
  const analysis = new ScriptedAnalysis();
  const { d, lines } = daemonWithLog(analysis);
  const id = await startRollout(d);
  const before = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
  // Every write fails as it would with the disk full or another process holding the lock past the busy timeout.
  d.db.pragma('query_only = ON');
  d.clock.advance(MIN);
  expect(
    await metric(d, 'canaryd_controller_check_errors_total{pack="support-prompts",stage="commit"}'),
  ).toBe(1);
  // The look is not counted as the hold it would have been: the "looks stopped" alert sees no checks.
  expect(await metric(d, 'canaryd_controller_checks_total{decision="error"}')).toBe(1);
  expect(await metric(d, 'canaryd_controller_checks_total{decision="hold"}')).toBe(0);
  expect(lines.find((l) => l.msg === 'rollout check failed: commit failed')).toMatchObject({
    rollout: id,
    pack: 'support-prompts',
  });
  const looksBefore = analysis.looksAt(id);
  // Retried after a pause, not spun: nothing runs within the pause.
  d.clock.advance(500);
  expect(analysis.looksAt(id)).toBe(looksBefore);
  d.clock.advance(500);
  expect(analysis.looksAt(id)).toBe(looksBefore + 1);
  expect(
    await metric(d, 'canaryd_controller_check_errors_total{pack="support-prompts",stage="commit"}'),
  ).toBe(2);

  d.db.pragma('query_only = OFF');
  d.clock.advance(1_000);
  const after = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
  expect(after.lastCheck).not.toBeNull();
  expect(after.lastCheck.error).toBeUndefined();
  expect(before.lastCheck).toBeNull();
  expect(after.timeline).toEqual(before.timeline);
});
