import { compileFlag } from './compile-flag.js';
import type { CompiledFlag } from './compiled-flag.js';
import { FlagValidationError } from './errors.js';
import type { EvaluationContext, EvaluationDetails, Flag, FlagSet } from './model.js';

/** A set of compiled flags, looked up by key. */
export interface CompiledFlagSet {
  /**
   * Resolves flag `key` for a context at `nowMs`. An unknown key resolves to `reason: 'ERROR'` with
   * `errorCode: 'FLAG_NOT_FOUND'` (never throws).
   */
  evaluate(key: string, context: EvaluationContext, nowMs: number): EvaluationDetails;
  /** The compiled flag with this key, if any. */
  get(key: string): CompiledFlag | undefined;
  /** The flag keys, in the order the flags were given. */
  keys(): IterableIterator<string>;
}

const NO_METADATA = Object.freeze({});

class PreparedFlagSet implements CompiledFlagSet {
  constructor(private readonly flags: ReadonlyMap<string, CompiledFlag>) {}

  evaluate(key: string, context: EvaluationContext, nowMs: number): EvaluationDetails {
    const flag = this.flags.get(key);
    if (flag === undefined) {
      return {
        reason: 'ERROR',
        errorCode: 'FLAG_NOT_FOUND',
        errorMessage: `flag '${key}' was not found`,
        flagMetadata: NO_METADATA,
      };
    }
    return flag.evaluate(context, nowMs);
  }

  get(key: string): CompiledFlag | undefined {
    return this.flags.get(key);
  }

  keys(): IterableIterator<string> {
    return this.flags.keys();
  }
}

/**
 * Compiles a set of flags, given as a record keyed by flag key (each flag's `key` must equal its record key) or as
 * a list with distinct keys. Throws `FlagValidationError` on a key mismatch or duplicate, and whatever
 * `compileFlag` throws.
 *
 * @example
 * const flags = compileFlagSet(config.flags);
 * flags.evaluate('support-prompts', { targetingKey: 'user-42' }, Date.now());
 */
export function compileFlagSet(flags: FlagSet | Flag[]): CompiledFlagSet {
  const compiled = new Map<string, CompiledFlag>();
  const entries: Array<[string, Flag]> = Array.isArray(flags)
    ? flags.map((flag) => [flag.key, flag])
    : Object.entries(flags);
  for (const [key, flag] of entries) {
    if (flag.key !== key) {
      throw new FlagValidationError([
        { path: [key, 'key'], message: `flag key "${flag.key}" differs from its key in the set` },
      ]);
    }
    if (compiled.has(key)) {
      throw new FlagValidationError([{ path: [key], message: `flag key "${key}" appears twice in the set` }]);
    }
    compiled.set(key, compileFlag(flag));
  }
  return new PreparedFlagSet(compiled);
}
