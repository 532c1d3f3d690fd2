import { keepReasons } from './protections.ts';
import type { PurgeReport } from './purge.ts';

const headers = ['table', 'category', 'deleted', 'kept: legal hold', 'kept: restriction', 'kept: legal minimum', 'kept: still referenced'];

/** The purge report as a plain-text table for the terminal (`parley purge`); numbers right-aligned. */
export function formatPurgeReport(report: PurgeReport): string {
  const rows = report.counts.map((c) => [c.table, c.category, String(c.deleted), ...keepReasons.map((r) => String(c.kept[r]))]);
  const totals = ['total', '', String(report.deleted), ...keepReasons.map((r) => String(report.counts.reduce((n, c) => n + c.kept[r], 0)))];
  const all = [headers, ...rows, totals];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line), rule, line(totals)].join('\n');
}
