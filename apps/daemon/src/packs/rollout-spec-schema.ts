/**
 * Schema of `spec.rollout`: ramp or explicit steps, segments, schedule windows, notification targets, with the
 * cross-field rules of PROMPTPACK.md (ramp xor steps, one weight kind per window, no overlapping windows,
 * `progressive` only last); or, with `strategy: blueGreen`, an optional preview and the rollback window, which
 * exclude every canary-only field.
 */
import type { Weekday } from '@prompt-canary/rules';
import { checkTimestamp, conditionSchema } from '@prompt-canary/rules';
import { z } from 'zod';
import { analysisSchema, unitField } from './analysis-schema.js';
import { parseDuration, parseWeight } from './pack-units.js';
import type { PreviewSpec, RolloutSpec, ScheduleEntry, SegmentSpec, StepSpec } from './prompt-pack.js';
import { canonicalDaily, parseDailyMinutes, windowsOverlap } from './schedule-window.js';

const RAMP_FIELDS = ['canaryWeight', 'stepWeight', 'stepInterval', 'maxWeight'] as const;
/** The fields of a progressive canary that a blue-green switch has no use for. */
const CANARY_ONLY_FIELDS = [...RAMP_FIELDS, 'steps', 'segments', 'schedule', 'monitorFor'] as const;
/** The fields of a blue-green switch. */
const BLUE_GREEN_FIELDS = ['preview', 'rollbackWindow'] as const;
/** The rollback window when a blue-green pack sets none: one hour. */
export const DEFAULT_ROLLBACK_WINDOW_MS = 3_600_000;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const satisfies readonly Weekday[];

const weight = unitField(parseWeight);
const duration = unitField(parseDuration);

/**
 * A window's `from` or `until`, checked by the rules package's own parser — the one the served flag compiles the
 * window with — so that nothing this schema accepts can fail later, when the flag is compiled.
 */
const timestamp = z
  .string({ error: 'expected an ISO timestamp such as "2026-01-31T09:00:00Z"' })
  .superRefine((text, ctx) => {
    const checked = checkTimestamp(text);
    if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
  });

const stepSchema = z
  .strictObject({
    weight,
    minDuration: duration.default(0),
    approval: z
      .union([z.literal('required'), z.literal('none'), z.boolean()], {
        error: 'approval is "required" or absent',
      })
      .optional(),
    monitorFor: duration.optional(),
  })
  .transform(({ weight, minDuration, approval, monitorFor }, ctx): StepSpec => {
    if (monitorFor !== undefined && weight !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['monitorFor'],
        message: 'monitorFor applies to the 100% step only',
      });
    }
    const step: StepSpec = {
      weight,
      minDurationMs: minDuration,
      approval: approval === 'required' || approval === true,
    };
    return monitorFor === undefined ? step : { ...step, monitorForMs: monitorFor };
  });

const segmentName = z.string({ error: 'a segment needs a name' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
  error: 'a segment name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
});

const segmentSchema = z
  .strictObject({
    name: segmentName,
    match: conditionSchema.optional(),
    weight: z
      .custom<unknown>((value) => value !== undefined, {
        error: 'is required: a weight such as 50% or "progressive"',
      })
      .transform((value, ctx): number | 'progressive' => {
        if (value === 'progressive') return 'progressive';
        const parsed = parseWeight(value);
        if (parsed.ok) return parsed.value;
        ctx.addIssue({ code: 'custom', message: `${parsed.problem}, or "progressive"` });
        return z.NEVER;
      }),
    duration: duration.optional(),
  })
  .transform(({ name, match, weight, duration: durationMs }, ctx): SegmentSpec => {
    if (weight === 'progressive') {
      if (match !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['match'],
          message: 'the progressive segment is everyone: it takes no match',
        });
      }
      if (durationMs !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['duration'],
          message: 'the progressive segment lasts until the ramp ends: it takes no duration',
        });
      }
      return { name, weight };
    }
    if (durationMs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['duration'],
        message: 'is required: how long this segment phase lasts, e.g. 24h',
      });
    }
    return { name, weight, durationMs: durationMs ?? 0, ...(match === undefined ? {} : { match }) };
  });

/**
 * A blue-green `preview`: `segment` (a daemon segment's name, or `{name, match}`) at `weight` (default 100), or
 * without a segment a share of everyone (`weight` required, below 100: 100% of everyone is the switch itself),
 * for `duration`.
 */
const previewSchema = z
  .strictObject({
    segment: z
      .union(
        [
          segmentName.transform((name) => ({ name })),
          z.strictObject({ name: segmentName, match: conditionSchema.optional() }),
        ],
        { error: 'a segment is the name of a segment defined on the daemon, or {name, match}' },
      )
      .optional(),
    weight: weight.optional(),
    duration,
  })
  .transform(({ segment, weight, duration: durationMs }, ctx): PreviewSpec => {
    if (segment === undefined) {
      if (weight === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['weight'],
          message:
            'is required without a segment: the share of everyone that previews the new version, e.g. 10%',
        });
      } else if (weight === 0 || weight >= 100) {
        ctx.addIssue({
          code: 'custom',
          path: ['weight'],
          message:
            'a preview without a segment is above 0% and below 100% (100% of everyone is the switch itself)',
        });
      }
      return { weight: weight ?? 0, durationMs };
    }
    if (weight === 0)
      ctx.addIssue({ code: 'custom', path: ['weight'], message: 'a preview weight must be above 0' });
    const named = 'match' in segment && segment.match !== undefined ? segment : { name: segment.name };
    return { segment: named, weight: weight ?? 100, durationMs };
  });

const scheduleSchema = z
  .strictObject({
    window: z.string({ error: 'expected a window such as "02:00-06:00 UTC"' }).superRefine((text, ctx) => {
      const parsed = parseDailyMinutes(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
    }),
    days: z
      .array(z.enum(WEEKDAYS, { error: `a day is one of ${WEEKDAYS.join(', ')}` }))
      .min(1, { error: 'days lists at least one day' })
      .optional(),
    from: timestamp.optional(),
    until: timestamp.optional(),
    canaryWeight: weight.optional(),
    capWeight: weight.optional(),
  })
  .transform(({ window, ...rest }, ctx): ScheduleEntry => {
    if ((rest.canaryWeight === undefined) === (rest.capWeight === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: rest.canaryWeight === undefined ? ['canaryWeight'] : ['capWeight'],
        message:
          'a window sets exactly one of canaryWeight (the weight inside the window) and capWeight (a cap on the ramp)',
      });
    }
    if (
      rest.from !== undefined &&
      rest.until !== undefined &&
      Date.parse(rest.from) >= Date.parse(rest.until)
    ) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'until must be later than from' });
    }
    const entry: ScheduleEntry = { window: canonicalDaily(window) };
    for (const [key, value] of Object.entries(rest))
      if (value !== undefined) Object.assign(entry, { [key]: value });
    return entry;
  });

const notifySchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  secret: z.string().min(1).optional(),
});

/**
 * `spec.rollout`, with defaults: strategy canary, bucketBy targetingKey, monitorFor 0s, timeZone UTC; with
 * `strategy: blueGreen`, rollbackWindow 1h.
 */
export const rolloutSpecSchema = z
  .strictObject({
    strategy: z
      .enum(['canary', 'blueGreen'], { error: 'strategy is "canary" or "blueGreen"' })
      .default('canary'),
    bucketBy: z.string().min(1, { error: 'bucketBy names a context attribute' }).default('targetingKey'),
    canaryWeight: weight.optional(),
    stepWeight: weight.optional(),
    stepInterval: duration.optional(),
    maxWeight: weight.optional(),
    steps: z.array(stepSchema).min(1, { error: 'steps lists at least one step' }).optional(),
    monitorFor: duration.optional(),
    analysis: analysisSchema.prefault({}),
    segments: z.array(segmentSchema).optional(),
    schedule: z.array(scheduleSchema).optional(),
    timeZone: z.literal('UTC', { error: 'timeZone is UTC only for now' }).default('UTC'),
    notify: z.array(notifySchema).default([]),
    preview: previewSchema.optional(),
    rollbackWindow: duration.optional(),
  })
  .superRefine((rollout, ctx) => {
    if (rollout.strategy === 'blueGreen') {
      for (const field of CANARY_ONLY_FIELDS) {
        if (rollout[field] === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} is a canary field: strategy blueGreen has preview (a segment or a weight, for a duration) and rollbackWindow instead`,
        });
      }
      return;
    }
    for (const field of BLUE_GREEN_FIELDS) {
      if (rollout[field] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} is a blue-green field: set strategy: blueGreen, or use the ramp, segments and monitorFor of a canary`,
      });
    }
    const rampFields = RAMP_FIELDS.filter((field) => rollout[field] !== undefined);
    if (rollout.steps !== undefined && rampFields.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: `steps and the ramp fields (${rampFields.join(', ')}) are exclusive: use one or the other`,
      });
    }
    if (rollout.canaryWeight === 0)
      ctx.addIssue({ code: 'custom', path: ['canaryWeight'], message: 'canaryWeight must be above 0' });
    if (rollout.stepWeight === 0)
      ctx.addIssue({ code: 'custom', path: ['stepWeight'], message: 'stepWeight must be above 0' });
    if (
      rollout.maxWeight !== undefined &&
      (rollout.maxWeight === 0 || rollout.maxWeight < (rollout.canaryWeight ?? 0))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxWeight'],
        message: 'maxWeight must be above 0 and at least canaryWeight',
      });
    }
    rollout.steps?.forEach((step, index) => {
      const previous = rollout.steps?.[index - 1];
      if (step.weight === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'weight'],
          message: 'a step weight must be above 0',
        });
      if (previous !== undefined && step.weight < previous.weight) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'weight'],
          message: 'step weights never decrease',
        });
      }
    });
    const names = new Set<string>();
    rollout.segments?.forEach((segment, index) => {
      if (names.has(segment.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', index, 'name'],
          message: `segment "${segment.name}" is listed twice`,
        });
      }
      names.add(segment.name);
      if (segment.weight === 'progressive' && index !== (rollout.segments?.length ?? 0) - 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', index, 'weight'],
          message: 'weight: progressive is for the last segment only',
        });
      }
    });
    const schedule = rollout.schedule ?? [];
    schedule.forEach((entry, index) => {
      const earlier = schedule.findIndex(
        (other, otherIndex) =>
          otherIndex < index &&
          windowsOverlap({ ...other, daily: other.window }, { ...entry, daily: entry.window }),
      );
      if (earlier >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedule', index, 'window'],
          message: `window "${entry.window}" overlaps window ${earlier} ("${schedule[earlier]?.window}")`,
        });
      }
    });
  })
  .transform(
    ({ stepInterval, monitorFor, segments, schedule, preview, rollbackWindow, ...rest }): RolloutSpec => {
      const spec: RolloutSpec = {
        ...rest,
        monitorForMs: monitorFor ?? 0,
        segments: segments ?? [],
        schedule: schedule ?? [],
      };
      if (rest.strategy === 'blueGreen') {
        const blueGreen = { ...spec, rollbackWindowMs: rollbackWindow ?? DEFAULT_ROLLBACK_WINDOW_MS };
        return preview === undefined ? blueGreen : { ...blueGreen, preview };
      }
      return stepInterval === undefined ? spec : { ...spec, stepIntervalMs: stepInterval };
    },
  );
