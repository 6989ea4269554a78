// Small helpers shared by the daemon and provider benchmarks: the machine line, load averages, statistics.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The first three fields of /proc/loadavg (1, 5 and 15 minutes), as numbers. */
export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [Number.NaN, Number.NaN, Number.NaN];
  }
}

/** `1.23 / 1.50 / 1.80` */
export function loadText(load = loadAverage()) {
  return load.map((n) => n.toFixed(2)).join(' / ');
}

/** The machine line printed under every table. */
export function machineLine(loads) {
  const range =
    loads && loads.length > 0
      ? `1-minute load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} during the run (/proc/loadavg)`
      : `load average ${loadText()} (/proc/loadavg)`;
  return `Node ${process.version}, ${availableParallelism()} CPUs (nproc), ${process.platform}/${process.arch}; ${range}.`;
}

/** CPU seconds (user + system) used so far by process `pid`, from /proc/PID/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The `q`-quantile (0–1) of a sorted list, nearest rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Thousands separators. */
export function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
