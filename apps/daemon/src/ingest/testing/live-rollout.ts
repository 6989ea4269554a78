import { expect } from 'vitest';
import type { TestDaemon } from '../../testing/test-daemon.js';

/** The pack name the ingest tests use. */
export const PACK = 'support-prompts';

/** A `support-prompts` pack at `version` with the given rollout block. */
export function pack(version: string, rollout: Record<string, unknown> = {}) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: { version, rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '5m', ...rollout } },
  };
}

/** Applies 2.3.1 (stable) then 2.4.0 with `rollout`; returns the live rollout's id. */
export async function startRollout(d: TestDaemon, rollout: Record<string, unknown> = {}): Promise<string> {
  const path = `/api/v1/packs/${PACK}`;
  expect((await d.request(path, { method: 'PUT', json: pack('2.3.1', rollout) })).status).toBe(201);
  const started = await d.request(path, { method: 'PUT', json: pack('2.4.0', rollout) });
  expect(started.status).toBe(200);
  const id = (await started.json()).rollout.id as string;
  expect(id).toBeTruthy();
  return id;
}

/** Reads `/metrics` and returns the value of `canaryd_analysis_items_total{item, outcome}` (0 when absent). */
export async function analysisCount(d: TestDaemon, item: string, outcome: string): Promise<number> {
  const text = await (await d.request('/metrics', { as: 'read' })).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`canaryd_analysis_items_total{item="${item}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
