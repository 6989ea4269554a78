import type { AuditEntry, PackView, RolloutView } from '@prompt-canary/api-types';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiCallError, type ApiClient } from '../api/api-client.js';
import type { LiveEvents } from '../live-events.js';
import { type WorstCheck, worstCheck } from './worst-check.js';

/** A live rollout's worst check, or why there is none to show (no analysis yet, or the call failed). */
export type WorstCheckCell = { readonly worst: WorstCheck | null } | { readonly note: string };

/** Everything the overview shows, kept current. */
export interface OverviewState {
  packs: PackView[] | null;
  rollouts: RolloutView[] | null;
  /** By rollout id, for live rollouts. */
  worst: ReadonlyMap<string, WorstCheckCell>;
  /** Each pack's newest audit entry, by pack name. */
  lastChange: ReadonlyMap<string, AuditEntry>;
  error: string | null;
}

/** How often the live rollouts' analyses are looked at again: they change with traffic, not with events. */
const ANALYSIS_REFRESH_MS = 15_000;

/** How many of the newest audit entries are read at once before asking pack by pack. */
const RECENT_AUDIT = 100;

/**
 * Each pack's newest audit entry: one read of the newest entries covers the packs that changed lately; only the
 * packs quiet for longer are asked for one by one.
 */
export async function lastChanges(
  client: ApiClient,
  packs: readonly string[],
): Promise<Map<string, AuditEntry>> {
  const found = new Map<string, AuditEntry>();
  for (const entry of (await client.audit(undefined, RECENT_AUDIT)).items) {
    if (entry.pack !== null && !found.has(entry.pack)) found.set(entry.pack, entry);
  }
  const quiet = packs.filter((name) => !found.has(name));
  const older = await Promise.all(
    quiet.map(async (name) => [name, (await client.audit(name, 1)).items[0]] as const),
  );
  for (const [name, entry] of older) if (entry) found.set(name, entry);
  return found;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Loads the packs and rollouts, then each live rollout's analysis (for its worst check) and each pack's newest
 * audit entry (its last change); reloads on live events (a burst once) and the analyses every 15 s.
 */
export function useOverview(client: ApiClient, live: LiveEvents): OverviewState {
  const [packs, setPacks] = useState<PackView[] | null>(null);
  const [rollouts, setRollouts] = useState<RolloutView[] | null>(null);
  const [worst, setWorst] = useState<ReadonlyMap<string, WorstCheckCell>>(new Map());
  const [lastChange, setLastChange] = useState<ReadonlyMap<string, AuditEntry>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const liveIds = useRef<string[]>([]);

  const loadWorst = useCallback(
    async (ids: readonly string[]) => {
      const cells = await Promise.all(
        ids.map(async (id): Promise<[string, WorstCheckCell]> => {
          try {
            return [id, { worst: worstCheck(await client.analysis(id)) }];
          } catch (err) {
            const note =
              err instanceof ApiCallError && err.status === 404
                ? 'no analysis yet'
                : `unavailable: ${message(err)}`;
            return [id, { note }];
          }
        }),
      );
      setWorst(new Map(cells));
    },
    [client],
  );

  const load = useCallback(async () => {
    try {
      const [p, r] = await Promise.all([client.packs(), client.rollouts()]);
      setPacks(p);
      setRollouts(r);
      setError(null);
      liveIds.current = p.flatMap((pack) => (pack.liveRollout ? [pack.liveRollout] : []));
      setLastChange(
        await lastChanges(
          client,
          p.map((pack) => pack.name),
        ),
      );
      await loadWorst(liveIds.current);
    } catch (err) {
      setError(message(err));
    }
  }, [client, loadWorst]);

  useEffect(() => {
    void load();
    let pending: ReturnType<typeof setTimeout> | undefined;
    // A burst of events (an apply, a step) reloads once.
    const stop = live.subscribe(() => {
      clearTimeout(pending);
      pending = setTimeout(() => void load(), 150);
    });
    const refresh = setInterval(() => void loadWorst(liveIds.current), ANALYSIS_REFRESH_MS);
    return () => {
      stop();
      clearTimeout(pending);
      clearInterval(refresh);
    };
  }, [load, loadWorst, live]);

  return { packs, rollouts, worst, lastChange, error };
}
