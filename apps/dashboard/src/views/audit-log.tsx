import type { AuditEntry } from '@prompt-canary/api-types';
import { formatAgo, formatTimestamp } from './format.js';

/** The audit log, newest first: when, who, what, on what, and why. */
export function AuditLog({ entries, nowMs }: { entries: readonly AuditEntry[]; nowMs: number }) {
  if (entries.length === 0) return <p class="muted">Nothing recorded yet.</p>;
  return (
    <table class="audit-log">
      <thead>
        <tr>
          <th>When</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Target</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id ?? `${entry.at}-${entry.action}`}>
            <td title={formatTimestamp(entry.at)}>{formatAgo(entry.at, nowMs)}</td>
            <td>{entry.actor}</td>
            <td>
              <code>{entry.action}</code>
            </td>
            <td>{entry.target}</td>
            <td class="reason">{entry.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Adds an entry that arrived live to a newest-first list, once. */
export function withEntry(entries: readonly AuditEntry[], entry: AuditEntry, max = 200): AuditEntry[] {
  if (entry.id !== undefined && entries.some((e) => e.id === entry.id)) return [...entries];
  return [entry, ...entries].slice(0, max);
}
