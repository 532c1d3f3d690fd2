/** A plain-text table: text columns left-aligned, numeric columns (`right`) right-aligned. */
export interface Column {
  readonly title: string;
  readonly right?: boolean;
}

export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i]?.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(columns.map((c) => c.title)), rule, ...rows.map(line)].join('\n');
}

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

/** 12345.6 → "12,346". */
export const formatInteger = (n: number): string => integer.format(n);

/** Seconds with two decimals: "3.14". */
export const formatSeconds = (s: number): string => s.toFixed(2);
