/** Plain aligned columns (no colours, no box drawing), so output stays greppable and pipe-friendly. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** `label: value` lines with the values aligned, for `show` commands. */
export function formatFields(fields: [string, string | undefined][]): string {
  const shown = fields.filter(([, v]) => v !== undefined && v !== "") as [string, string][];
  const width = Math.max(0, ...shown.map(([k]) => k.length)) + 1;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n");
}
