import { TOTAL_BUCKETS, weightToBuckets } from './bucketing.js';
import {
  type AttributeReader,
  type CompiledCondition,
  compileAttributeReader,
  compileCondition,
} from './compile-condition.js';
import type { CompiledFlag } from './compiled-flag.js';
import { FlagValidationError } from './errors.js';
import { compileTargetingFlag } from './flagd-targeting.js';
import type {
  EvaluationContext,
  EvaluationDetails,
  Flag,
  FlagMetadata,
  FlagValue,
  JsonValue,
  Reason,
} from './model.js';
import { type Murmur3State, murmur3Continue, murmur3Prefix } from './murmur3.js';
import { type CompiledTimeWindow, compileTimeWindow } from './time-window.js';

const TWO_POW_32 = 2 ** 32;

/** One rule, prepared: either `single` is set, or the split fields are. */
interface CompiledRule {
  readonly condition: CompiledCondition | null;
  readonly window: CompiledTimeWindow | null;
  readonly single: EvaluationDetails | null;
  readonly readBucketValue: AttributeReader;
  /** The hash state after the split's seed (the flag key unless the split names one). */
  readonly prefix: Murmur3State;
  /** Exclusive upper bucket of each arm, in listed order. */
  readonly upperBounds: ReadonlyArray<number>;
  readonly armDetails: ReadonlyArray<EvaluationDetails>;
}

function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function frozenCopy(value: FlagValue): FlagValue {
  // Variants are JSON, so a JSON round trip is an exact deep copy; freezing it keeps callers from editing the flag.
  return typeof value === 'object'
    ? deepFreeze(JSON.parse(JSON.stringify(value)) as JsonValue as FlagValue)
    : value;
}

/** Builds every result a flag can produce up front, so evaluation returns shared frozen objects. */
class DetailsTable {
  private readonly byKey = new Map<string, EvaluationDetails>();
  private readonly values = new Map<string, FlagValue>();

  constructor(
    private readonly flag: Flag,
    readonly metadata: Readonly<FlagMetadata>,
  ) {}

  variant(variant: string, reason: Reason, path: (string | number)[]): EvaluationDetails {
    const cacheKey = `${reason}\u0000${variant}`;
    const cached = this.byKey.get(cacheKey);
    if (cached) return cached;
    if (!Object.hasOwn(this.flag.variants, variant)) {
      throw new FlagValidationError([
        { path, message: `variant "${variant}" is not one of the flag's variants` },
      ]);
    }
    let value = this.values.get(variant);
    if (value === undefined) {
      value = frozenCopy(this.flag.variants[variant] as FlagValue);
      this.values.set(variant, value);
    }
    const details: EvaluationDetails = Object.freeze({ value, variant, reason, flagMetadata: this.metadata });
    this.byKey.set(cacheKey, details);
    return details;
  }

  /**
   * The default variant with `reason`, or, when the flag has none, the caller's default (no value) with `DEFAULT`
   * whatever `reason` was asked for (as flagd reports a static flag without a default variant).
   */
  fallback(reason: Reason): EvaluationDetails {
    const name = this.flag.defaultVariant;
    if (name === undefined || name === null)
      return Object.freeze({ reason: 'DEFAULT', flagMetadata: this.metadata });
    return this.variant(name, reason, ['defaultVariant']);
  }
}

class RuleFlag implements CompiledFlag {
  readonly key: string;
  readonly flag: Flag;
  private readonly disabled: EvaluationDetails | null;
  private readonly rules: ReadonlyArray<CompiledRule>;
  /** Served when no rule matches (or the flag has none) and when a split lacks its bucketing value. */
  private readonly noMatch: EvaluationDetails;
  private readonly missingUnit: EvaluationDetails;

  constructor(flag: Flag) {
    this.key = flag.key;
    this.flag = flag;
    const table = new DetailsTable(flag, Object.freeze({ ...flag.metadata }));
    this.disabled =
      flag.state === 'DISABLED'
        ? Object.freeze({ reason: 'DISABLED' as const, flagMetadata: table.metadata })
        : null;
    const rules = flag.rules ?? [];
    this.noMatch = table.fallback(rules.length === 0 ? 'STATIC' : 'DEFAULT');
    this.missingUnit = table.fallback('DEFAULT');
    const keyPrefix = murmur3Prefix(flag.key);
    this.rules = rules.map((rule, index): CompiledRule => {
      const path = ['rules', index, 'serve'];
      const hasSegment = rule.segment !== undefined;
      const base = {
        condition: hasSegment ? compileCondition(rule.segment ?? {}) : null,
        window: rule.window === undefined ? null : compileTimeWindow(rule.window),
      };
      if ('variant' in rule.serve) {
        return {
          ...base,
          single: table.variant(rule.serve.variant, 'TARGETING_MATCH', [...path, 'variant']),
          readBucketValue: () => undefined,
          prefix: keyPrefix,
          upperBounds: [],
          armDetails: [],
        };
      }
      const { arms, bucketBy, seed } = rule.serve.split;
      const reason: Reason = hasSegment ? 'TARGETING_MATCH' : 'SPLIT';
      const upperBounds: number[] = [];
      let sum = 0;
      for (const arm of arms) {
        sum += weightToBuckets(arm.weight);
        upperBounds.push(sum);
      }
      return {
        ...base,
        single: null,
        readBucketValue: compileAttributeReader(bucketBy ?? 'targetingKey'),
        prefix: seed === undefined ? keyPrefix : murmur3Prefix(seed),
        upperBounds,
        armDetails: arms.map((arm, armIndex) =>
          table.variant(arm.variant, reason, [...path, 'split', 'arms', armIndex, 'variant']),
        ),
      };
    });
  }

  evaluate(context: EvaluationContext, nowMs: number): EvaluationDetails {
    if (this.disabled !== null) return this.disabled;
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as CompiledRule;
      if (rule.condition !== null && !rule.condition.matches(context)) continue;
      if (rule.window !== null && !rule.window.matches(nowMs)) continue;
      if (rule.single !== null) return rule.single;
      const raw = rule.readBucketValue(context);
      let unit: string;
      if (typeof raw === 'string') unit = raw;
      else if (typeof raw === 'number' || typeof raw === 'boolean') unit = String(raw);
      // Without its bucketing unit a split cannot be sticky, so the unit gets the default variant (stable).
      else return this.missingUnit;
      const bucket = Math.floor((murmur3Continue(rule.prefix, unit) * TOTAL_BUCKETS) / TWO_POW_32);
      const bounds = rule.upperBounds;
      const last = bounds.length - 1;
      for (let arm = 0; arm < last; arm++) {
        if (bucket < (bounds[arm] as number)) return rule.armDetails[arm] as EvaluationDetails;
      }
      return rule.armDetails[last] as EvaluationDetails;
    }
    return this.noMatch;
  }
}

/**
 * Compiles a flag for repeated evaluation. Expects a flag that passed `parseFlag`; throws `FlagValidationError` if a
 * rule names a variant the flag does not define. Flags with flagd `targeting` are handed to the flagd evaluator.
 *
 * Semantics: a `DISABLED` flag resolves to `reason: 'DISABLED'` without a value (the caller's default). Otherwise
 * the first rule whose segment and window both hold serves its variant or split; no rules at all gives the default
 * variant with `STATIC`, no matching rule the default variant with `DEFAULT`. A split whose bucketing attribute is
 * missing, null or an object serves the default variant with `DEFAULT` (it does not fall through to later rules).
 *
 * @example
 * const flag = compileFlag(parseFlag(definition));
 * flag.evaluate({ targetingKey: 'user-42', plan: 'internal' }, Date.now()); // { value: '2.4.0', variant: 'canary', … }
 */
export function compileFlag(flag: Flag): CompiledFlag {
  if (flag.targeting !== undefined) return compileTargetingFlag(flag);
  return new RuleFlag(flag);
}
