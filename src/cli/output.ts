/** How list commands print: an aligned table for people, or JSON (`--json`) for scripts. */
export type Row = Record<string, string | number | boolean | null | string[]>;

export function printRows(rows: Row[], options: { json?: boolean; empty: string }): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const first = rows[0];
  if (!first) {
    process.stdout.write(`${options.empty}\n`);
    return;
  }
  const columns = Object.keys(first);
  // Nothing (null, '', an empty list) is shown as '-', so every column of every row has a value to read.
  const cell = (value: Row[string]) =>
    value === null || value === '' || (Array.isArray(value) && value.length === 0)
      ? '-'
      : Array.isArray(value)
        ? value.join(' ')
        : String(value);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? null).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? null))))];
  process.stdout.write(`${out.join('\n')}\n`);
}
