/**
 * A PromptPack in the form the diff of `canary apply` shows: units written one way (`5m`, `90%`, `3000ms`,
 * weights as numbers) so the file a person wrote and the normalised pack the daemon answers compare alike,
 * and defaults the file leaves out hidden on the live side. It only serves the diff: the daemon remains the
 * judge of what a pack means.
 */

import { durationText, parseDuration } from '@prompt-canary/api-types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const DURATION_KEYS = new Set([
  'stepInterval',
  'monitorFor',
  'interval',
  'maxInconclusive',
  'minDuration',
  'duration',
  'for',
  'startAfter',
]);
const WEIGHT_KEYS = new Set(['canaryWeight', 'stepWeight', 'maxWeight', 'weight', 'capWeight']);
const RELATIVE_KEYS = new Set(['maxIncrease', 'maxDecrease']);

/** Defaults the daemon fills in (PROMPTPACK.md); hidden on the live side when the file leaves them out. */
const DEFAULTS: Readonly<Record<string, Json>> = {
  strategy: 'canary',
  bucketBy: 'targetingKey',
  monitorFor: '0s',
  timeZone: 'UTC',
  segments: [],
  schedule: [],
  notify: [],
  interval: '1m',
  failureThreshold: 2,
  minSamples: 100,
  maxInconclusive: '30m',
  metrics: [],
  costs: {},
  onFail: 'rollback',
  compare: true,
  minDuration: '0s',
  approval: false,
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function round(value: number, digits = 10): number {
  return Number(value.toFixed(digits));
}

/** A duration as the pack file may write it (`5m`, `0`, or a bare `0` number) in milliseconds. */
function parseDurationMs(value: Json): number | undefined {
  if (value === 0) return 0;
  return typeof value === 'string' ? parseDuration(value) : undefined;
}

function percentOf(value: Json): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const percent = /^(-?\d+(?:\.\d+)?)\s*%$/.exec(value.trim());
  if (percent) return Number(percent[1]) / 100;
  return /^-?\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
}

function percentText(fraction: number): string {
  return `${round(fraction * 100, 8)}%`;
}

function thresholdUnitOf(metric: JsonObject): 'fraction' | 'ms' | 'number' {
  const name = typeof metric.name === 'string' ? metric.name : '';
  const aggregate = isObject(metric.from) ? metric.from.aggregate : undefined;
  const score = isObject(metric.from) && metric.from.score !== undefined;
  if (name.endsWith('_rate') || aggregate === 'rate' || score) return 'fraction';
  return name.includes('latency') ? 'ms' : 'number';
}

function thresholdText(value: Json, unit: 'fraction' | 'ms' | 'number'): Json {
  if (unit === 'fraction') {
    const fraction = percentOf(value);
    return fraction === undefined ? value : percentText(fraction);
  }
  if (unit === 'ms') {
    const ms =
      typeof value === 'number'
        ? value
        : /^\d+(\.\d+)?$/.test(String(value))
          ? Number(value)
          : parseDurationMs(value);
    return ms === undefined ? value : `${ms}ms`;
  }
  return value;
}

/** One value in display form, by its key; `metric` is the enclosing metric for thresholds. */
function displayValue(key: string, value: Json, metric: JsonObject | null): Json {
  if (DURATION_KEYS.has(key)) {
    const ms = parseDurationMs(value);
    return ms === undefined ? value : durationText(ms);
  }
  if (WEIGHT_KEYS.has(key) && typeof value === 'string' && value !== 'progressive') {
    const number = Number(value.replace(/%\s*$/, '').trim());
    return Number.isFinite(number) ? number : value;
  }
  if (RELATIVE_KEYS.has(key)) {
    // A bare number in the file, or `absolute` from the daemon, is an amount in the metric's own unit; on a rate the
    // daemon stores it as points, so the file's fraction is shown as points too.
    const bareInFile =
      metric?.toleranceUnit === undefined &&
      (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())));
    if (bareInFile && metric !== null && thresholdUnitOf(metric) === 'fraction') {
      return `${round(Number(value) * 100, 8)}pt`;
    }
    if (bareInFile || metric?.toleranceUnit === 'absolute') return Number(value);
    const fraction = percentOf(value);
    if (fraction === undefined) return value;
    // The daemon answers a tolerance as a fraction with its unit: `2pt` is 0.02 in points, `20%` 0.2 relative.
    return metric?.toleranceUnit === 'points' ? `${round(fraction * 100, 8)}pt` : percentText(fraction);
  }
  if (key === 'threshold' && metric) return thresholdText(value, thresholdUnitOf(metric));
  if (key === 'window' && typeof value === 'string') return value.replace(/\s*UTC$/i, '').trim();
  // A score's pass mark: the daemon answers {comparison, value}, the file says ">= 0.7".
  if (key === 'pass' && isObject(value)) return `${String(value.comparison)} ${String(value.value)}`;
  if (key === 'pass' && typeof value === 'string') return value.replace(/^(>=|<=|>|<)\s*/, '$1 ').trim();
  return walk(value, key === 'metrics');
}

function walk(value: Json, inMetrics = false): Json {
  if (Array.isArray(value)) return value.map((item) => walk(item, inMetrics));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  const metric = inMetrics ? value : null;
  for (const [rawKey, inner] of Object.entries(value)) {
    if (rawKey === 'thresholdUnit' || rawKey === 'toleranceUnit') continue;
    // The daemon answers durations as `stepIntervalMs: 300000`; the file says `stepInterval: 5m`.
    const key =
      rawKey.endsWith('Ms') && DURATION_KEYS.has(rawKey.slice(0, -2)) ? rawKey.slice(0, -2) : rawKey;
    const shown = rawKey === key ? inner : typeof inner === 'number' ? durationText(inner) : inner;
    out[key] = displayValue(key, shown, metric);
  }
  return out;
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Hides on the live side what the file leaves to defaults, and orders keys as the file does, so only real
 * differences remain.
 */
function alignTo(live: Json, file: Json | undefined): Json {
  if (Array.isArray(live)) {
    return live.map((item, i) => alignTo(item, Array.isArray(file) ? file[i] : undefined));
  }
  if (!isObject(live) || !isObject(file)) return live;
  const out: JsonObject = {};
  for (const key of Object.keys(file)) {
    if (key in live) out[key] = alignTo(live[key] as Json, file[key]);
  }
  for (const [key, value] of Object.entries(live)) {
    if (key in file) continue;
    // A comparison the file leaves out is the daemon's default for that metric; a direction it leaves out is a
    // built-in metric's own.
    if (key === 'comparison' && 'threshold' in file) continue;
    if (key === 'direction' && 'name' in file) continue;
    if (key in DEFAULTS && same(value, DEFAULTS[key])) continue;
    out[key] = value;
  }
  return out;
}

/** The `metadata` and `spec` of a pack file as the diff shows them. */
export function fileDocument(raw: unknown): JsonObject {
  const doc = isObject(raw) ? raw : {};
  return { metadata: walk(doc.metadata ?? null), spec: walk(doc.spec ?? null) };
}

/** The `metadata` and `spec` of the live (normalised) pack, aligned to the file's keys and defaults. */
export function liveDocument(pack: { metadata: unknown; spec: unknown }, file: JsonObject): JsonObject {
  const live = { metadata: walk(pack.metadata as Json), spec: walk(pack.spec as Json) };
  return alignTo(live, file) as JsonObject;
}
