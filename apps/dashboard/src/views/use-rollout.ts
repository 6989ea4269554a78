import type { Analysis, AuditEntry, RolloutDetail, RolloutEvent } from '@prompt-canary/api-types';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiCallError, type ApiClient } from '../api/api-client.js';
import { type LiveEvents, payloadOf } from '../live-events.js';
import { withEntry } from './audit-log.js';
import { isTerminal } from './format.js';
import { analysisPollMs, appendAnalysis, type MetricHistory } from './metric-series.js';

/** Everything the rollout page shows, kept current. */
export interface RolloutState {
  detail: RolloutDetail | null;
  error: string | null;
  analysis: Analysis | null;
  /** Why there is no analysis (the route answered an error), if so. */
  analysisNote: string | null;
  history: MetricHistory;
  audit: AuditEntry[];
  /** Replaces the rollout after an action answered it. */
  setDetail(detail: RolloutDetail): void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Loads one rollout, its pack's audit log and its analysis; polls the analysis every analysis interval while the
 * rollout is live, accumulating the points client-side; reloads on the rollout's live events and adds audit
 * entries as they arrive.
 */
export function useRollout(client: ApiClient, id: string, live: LiveEvents): RolloutState {
  const [detail, setDetail] = useState<RolloutDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [analysisNote, setAnalysisNote] = useState<string | null>(null);
  const [history, setHistory] = useState<MetricHistory>(new Map());
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const pack = useRef<string | null>(null);

  const loadDetail = useCallback(async () => {
    try {
      const next = await client.rollout(id);
      pack.current = next.pack;
      setDetail(next);
      setError(null);
      return next;
    } catch (err) {
      setError(message(err));
      return null;
    }
  }, [client, id]);

  const loadAnalysis = useCallback(async () => {
    try {
      const next = await client.analysis(id);
      setAnalysis(next);
      setAnalysisNote(null);
      setHistory((h) => appendAnalysis(h, next, Date.now()));
    } catch (err) {
      setAnalysisNote(
        err instanceof ApiCallError && err.status === 404
          ? 'No analysis from the daemon for this rollout yet.'
          : `Analysis unavailable: ${message(err)}`,
      );
    }
  }, [client, id]);

  useEffect(() => {
    setDetail(null);
    setAnalysis(null);
    setHistory(new Map());
    setAudit([]);
    let cancelled = false;
    void (async () => {
      const first = await loadDetail();
      if (!first || cancelled) return;
      try {
        const page = await client.audit(first.pack, 100);
        if (!cancelled) setAudit((live) => page.items.reduceRight((all, e) => withEntry(all, e), live));
      } catch (err) {
        if (!cancelled) setError(message(err));
      }
    })();
    void loadAnalysis();
    return () => {
      cancelled = true;
    };
  }, [client, id, loadDetail, loadAnalysis]);

  const pollMs = analysisPollMs(detail?.spec.analysis?.intervalMs);
  const ended = detail !== null && isTerminal(detail.phase);
  useEffect(() => {
    if (ended) return;
    const timer = setInterval(() => void loadAnalysis(), pollMs);
    return () => clearInterval(timer);
  }, [pollMs, ended, loadAnalysis]);

  useEffect(
    () =>
      live.subscribe((msg) => {
        if (msg.event === 'rollout') {
          const event = payloadOf<RolloutEvent>(msg);
          if (event?.id === id) {
            void loadDetail();
            void loadAnalysis();
          }
        } else if (msg.event === 'audit') {
          const entry = payloadOf<AuditEntry>(msg);
          if (entry && (entry.target === `rollout:${id}` || (pack.current && entry.pack === pack.current))) {
            setAudit((all) => withEntry(all, entry));
          }
        }
      }),
    [live, id, loadDetail, loadAnalysis],
  );

  return { detail, error, analysis, analysisNote, history, audit, setDetail };
}
