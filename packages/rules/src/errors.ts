/** One problem found in a flag definition: where it is and what is wrong with it. */
export interface FlagValidationIssue {
  /** Path from the flag's root to the offending value, e.g. `['rules', 0, 'serve', 'split', 'arms']`. */
  readonly path: (string | number)[];
  /** A sentence for people: what is wrong and, where it helps, what was expected. */
  readonly message: string;
}

/**
 * Renders an issue path the way people write it: `rules[0].serve.split.arms`. The root is `(flag)`.
 */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(flag)' : out;
}

/**
 * Thrown by `parseFlag` (and by `compileFlag` on flags that reference variants they do not define) when a flag
 * definition is invalid. The message names the first offending path; `issues` lists every problem found.
 */
export class FlagValidationError extends Error {
  /** Every problem found, in document order where the validator could tell. */
  readonly issues: ReadonlyArray<FlagValidationIssue>;

  constructor(issues: ReadonlyArray<FlagValidationIssue>) {
    const first = issues[0];
    const head = first ? `${formatIssuePath(first.path)}: ${first.message}` : 'invalid flag';
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
    super(`Invalid flag at ${head}${more}`);
    this.name = 'FlagValidationError';
    this.issues = issues;
  }
}
