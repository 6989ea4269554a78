import { type PackVersionContent, versionContentText } from '@prompt-canary/api-types';
import { useEffect, useState } from 'preact/hooks';
import { ApiCallError, type ApiClient } from '../api/api-client.js';
import { contentDiffLines, type DiffLine } from './content-diff.js';

/** Props of {@link ContentDiff}. */
export interface ContentDiffProps {
  readonly pack: string;
  readonly from: string;
  readonly to: string;
  /** The diff, once both versions are loaded; `null` while loading. */
  readonly lines: readonly DiffLine[] | null;
  readonly note: string | null;
}

/**
 * What changed between the stable version and the canary: their prompts, model parameters and attributes as a
 * unified diff (the one `canary diff` prints). Hook-free, so a test can render it without a DOM.
 */
export function ContentDiff({ pack, from, to, lines, note }: ContentDiffProps) {
  return (
    <section class="content-diff" data-from={from} data-to={to}>
      <h3>
        Content: {pack} {from} → {to}
      </h3>
      {note !== null ? (
        <p class="muted">{note}</p>
      ) : lines === null ? (
        <p class="muted">Loading…</p>
      ) : lines.length === 0 ? (
        <p class="muted">The two versions have the same prompts, model and attributes.</p>
      ) : (
        <pre class="diff">
          {lines.map((line, index) => (
            // Lines repeat (blank context lines): the position is their identity.
            <span key={index} class={`diff-${line.kind}`}>
              {line.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </section>
  );
}

/** Loads the two versions' bundles and keeps their diff; a version never recorded reads as no content. */
export function useContentDiff(
  client: ApiClient,
  pack: string,
  from: string,
  to: string,
): { lines: DiffLine[] | null; note: string | null } {
  const [state, setState] = useState<{ lines: DiffLine[] | null; note: string | null }>({
    lines: null,
    note: null,
  });
  useEffect(() => {
    let cancelled = false;
    setState({ lines: null, note: null });
    if (pack === '') return;
    const load = (version: string): Promise<PackVersionContent | null> =>
      client.version(pack, version).catch((err: unknown) => {
        if (err instanceof ApiCallError && err.status === 404) return null;
        throw err;
      });
    Promise.all([load(from), load(to)]).then(
      ([before, after]) => {
        if (cancelled) return;
        const empty = versionContentText(before) === '' && versionContentText(after) === '';
        setState(
          empty
            ? { lines: null, note: 'Neither version carries prompts, a model or attributes.' }
            : { lines: contentDiffLines(before, after), note: null },
        );
      },
      (err: unknown) => {
        if (!cancelled)
          setState({
            lines: null,
            note: `Content unavailable: ${err instanceof Error ? err.message : String(err)}`,
          });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, pack, from, to]);
  return state;
}
