// Plain-text tables for commands that print one row per neuron (`ac1 quality`,
// `ac1 score`): columns padded to their widest cell, numbers to 4 significant
// digits with NaN spelled out (the --json forms carry the exact values).

/** A number for a table cell: 4 significant digits, integers as they are, "NaN" for NaN. */
export function formatCell(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isNaN(v)) return "NaN";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return v.toPrecision(4);
}

/** The table as lines: a header, then the rows; `right[i]` right-aligns column i (numbers). */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
