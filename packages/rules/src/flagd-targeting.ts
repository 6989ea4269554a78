/**
 * Evaluation of flags imported from flagd: their JsonLogic `targeting` runs exactly as flagd runs it, with flagd's
 * custom operators and its context enrichment, and its result is read the way flagd reads it.
 */
import type { CompiledFlag } from './compiled-flag.js';
import { createFlagdLogicEngine, FLAGD_PROPERTIES_KEY } from './flagd-operators.js';
import type { EvaluationContext, EvaluationDetails, Flag, FlagMetadata, JsonValue } from './model.js';

type TargetingFunction = (data: Record<string, unknown>) => unknown;

/** The compiled form of a flag's targeting: nothing to run, a function, or the reason it would not compile. */
type CompiledTargeting =
  | { readonly kind: 'static' }
  | { readonly kind: 'logic'; readonly run: TargetingFunction }
  | { readonly kind: 'invalid'; readonly message: string };

/** flagd reads an absent targeting, `null` and the empty object alike: the flag is static. */
export function isEmptyTargeting(targeting: JsonValue | undefined): boolean {
  if (targeting === undefined || targeting === null) return true;
  return typeof targeting === 'object' && !Array.isArray(targeting) && Object.keys(targeting).length === 0;
}

function compileTargeting(flag: Flag): CompiledTargeting {
  if (isEmptyTargeting(flag.targeting)) return { kind: 'static' };
  try {
    // One engine per flag keeps compilation free of shared mutable state; building is the expensive part anyway.
    const built: unknown = createFlagdLogicEngine().build(flag.targeting);
    if (typeof built !== 'function') throw new Error('the JsonLogic engine did not produce a function');
    return { kind: 'logic', run: built as TargetingFunction };
  } catch (error) {
    // json-logic-engine rejects unknown operators (an unresolved `$ref` among them) while building.
    const detail = error instanceof Error ? `: ${error.message}` : '';
    return { kind: 'invalid', message: `Invalid targeting for flag '${flag.key}'${detail}` };
  }
}

/** flagd turns a scalar targeting result into a variant name by its text (`true` names the variant `"true"`). */
function variantName(result: unknown): string | undefined {
  if (typeof result === 'string') return result;
  if (typeof result === 'number' || typeof result === 'boolean') return String(result);
  return undefined;
}

class TargetingFlag implements CompiledFlag {
  readonly key: string;
  readonly flag: Flag;
  private readonly metadata: Readonly<FlagMetadata>;
  private readonly targeting: CompiledTargeting;
  private readonly defaultVariant: string | undefined;

  constructor(flag: Flag) {
    this.key = flag.key;
    this.flag = flag;
    this.metadata = Object.freeze({ ...flag.metadata });
    this.targeting = compileTargeting(flag);
    // flagd treats an empty default variant name as none.
    this.defaultVariant = flag.defaultVariant ? flag.defaultVariant : undefined;
  }

  evaluate(context: EvaluationContext, nowMs: number): EvaluationDetails {
    const flagMetadata = this.metadata;
    if (this.flag.state === 'DISABLED') return { reason: 'DISABLED', flagMetadata };
    const targeting = this.targeting;
    if (targeting.kind === 'invalid') {
      return { reason: 'ERROR', errorCode: 'PARSE_ERROR', errorMessage: targeting.message, flagMetadata };
    }
    if (targeting.kind === 'static') return this.serve(this.defaultVariant, 'STATIC');
    let result: unknown;
    try {
      result = targeting.run({
        ...context,
        [FLAGD_PROPERTIES_KEY]: { flagKey: this.key, timestamp: Math.floor(nowMs / 1000) },
      });
    } catch (error) {
      const detail = error instanceof Error ? `: ${error.message}` : '';
      return this.error(`Error evaluating the targeting of flag '${this.key}'${detail}`);
    }
    if (result === null || result === undefined) return this.serve(this.defaultVariant, 'DEFAULT');
    const name = variantName(result);
    if (name === undefined) {
      return this.error(
        `The targeting of flag '${this.key}' returned ${JSON.stringify(result)}, not a variant name`,
      );
    }
    return this.serve(name, 'TARGETING_MATCH');
  }

  private serve(
    variant: string | undefined,
    reason: 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH',
  ): EvaluationDetails {
    const flagMetadata = this.metadata;
    // No variant at all (no default variant, targeting said null): the caller's default applies.
    if (variant === undefined) return { reason: 'DEFAULT', flagMetadata };
    if (!Object.hasOwn(this.flag.variants, variant)) {
      return this.error(`Variant '${variant}' not found in flag '${this.key}'`);
    }
    return { value: this.flag.variants[variant], variant, reason, flagMetadata };
  }

  private error(errorMessage: string): EvaluationDetails {
    return { reason: 'ERROR', errorCode: 'GENERAL', errorMessage, flagMetadata: this.metadata };
  }
}

/**
 * Compiles a flag that carries flagd JsonLogic `targeting` (an imported flagd flag). The JsonLogic is built once
 * here; each evaluation runs it on the context enriched with `$flagd.flagKey` and `$flagd.timestamp` (unix
 * seconds of `nowMs`), with flagd's operators `fractional`, `sem_ver`, `starts_with` and `ends_with`.
 *
 * Results follow flagd: a variant name (a boolean or number names the variant spelt like it) → that variant with
 * `TARGETING_MATCH`; `null` → the default variant with `DEFAULT`; no default variant → the caller's default with
 * `DEFAULT`; targeting that does not compile (an unknown operator, an unresolved `$ref`) → `ERROR`/`PARSE_ERROR`;
 * a failing evaluation or an unknown variant → `ERROR`/`GENERAL`; a disabled flag → `DISABLED`. Empty targeting
 * (`{}`) serves the default variant with `STATIC`. Never throws.
 *
 * @example
 * const compiled = compileTargetingFlag({
 *   key: 'support-prompts', state: 'ENABLED', variants: { stable: '2.3.0', canary: '2.4.0' },
 *   defaultVariant: 'stable', targeting: { fractional: [['canary', 10], ['stable', 90]] },
 * });
 * compiled.evaluate({ targetingKey: 'user-1' }, Date.now()).variant; // 'canary' or 'stable', sticky per user
 */
export function compileTargetingFlag(flag: Flag): CompiledFlag {
  return new TargetingFlag(flag);
}
