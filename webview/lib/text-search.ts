/** Text search over a label column: case-insensitive substring matches, for highlighting points. */

/**
 * Rows whose label contains `query` (case-insensitive), ascending; nulls never match, an empty query matches nothing.
 * `label(i)` returns the row's text or null.
 */
export function searchLabels(label: (row: number) => string | null, rows: number, query: string): Uint32Array {
  const q = query.trim().toLocaleLowerCase();
  if (q === "") return new Uint32Array(0);
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    const text = label(i);
    if (text?.toLocaleLowerCase().includes(q)) out.push(i);
  }
  return Uint32Array.from(out);
}
