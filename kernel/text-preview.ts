import { inspect } from "node:util";
import type { CallProgress } from "../protocol/progress.js";

/**
 * `text/plain` renderings: the fallback every rich output carries (DESIGN.md), and what `chalknb run` prints.
 * Works on Arrow tables through a minimal structural view so this file does not need apache-arrow loaded.
 */

/** The parts of an Arrow Table / RecordBatch the preview reads. */
export interface TableLike {
  numRows: number;
  schema: { fields: { name: string; type: { toString(): string } }[] };
  getChildAt(index: number): { get(row: number): unknown } | null;
}

export interface PreviewOptions {
  /** Rows shown. @default 5 */
  rows?: number;
  /** Longest cell text before it is cut with `…`. @default 48 */
  maxCellWidth?: number;
}

/**
 * A table's first rows, its schema and its row count. List cells are shortened: `[0.012, -0.03, … 512 values]`.
 * @example
 * previewTable(table) // "Table: 1000 rows × 2 columns\nschema: text: LargeUtf8, result: List<Float32>\n..."
 */
export function previewTable(table: TableLike, kind = "Table", options: PreviewOptions = {}): string {
  const rowsShown = Math.min(table.numRows, options.rows ?? 5);
  const maxWidth = options.maxCellWidth ?? 48;
  const fields = table.schema.fields;
  const lines = [
    `${kind}: ${table.numRows} ${table.numRows === 1 ? "row" : "rows"} × ${fields.length} ${fields.length === 1 ? "column" : "columns"}`,
    `schema: ${fields.map((f) => `${f.name}: ${String(f.type)}`).join(", ")}`,
  ];
  if (fields.length === 0 || rowsShown === 0) return lines.join("\n");
  const grid: string[][] = [fields.map((f) => f.name)];
  for (let row = 0; row < rowsShown; row++) {
    grid.push(fields.map((_, col) => clip(formatCell(table.getChildAt(col)?.get(row)), maxWidth)));
  }
  const widths = fields.map((_, col) => Math.max(...grid.map((r) => r[col]!.length)));
  grid.forEach((cells, i) => {
    lines.push(cells.map((c, col) => c.padEnd(widths[col]!)).join(" │ ").trimEnd());
    if (i === 0) lines.push(widths.map((w) => "─".repeat(w)).join("─┼─"));
  });
  if (table.numRows > rowsShown) lines.push(`… ${table.numRows - rowsShown} more rows`);
  return lines.join("\n");
}

/** One cell of a table as text; vectors (Arrow list values, typed arrays, arrays) are shortened. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  const list = asList(value);
  if (list) return formatVector(list);
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    // An Arrow struct row or map: its fields, each formatted like a cell.
    const json = (value as { toJSON(): unknown }).toJSON();
    if (json !== null && typeof json === "object" && !Array.isArray(json)) {
      return `{${Object.entries(json).map(([k, v]) => `${k}: ${formatCell(v)}`).join(", ")}}`;
    }
    return formatCell(json);
  }
  return inspect(value, { depth: 1, breakLength: Infinity });
}

/** `[0.012, -0.03, … 512 values]` for long vectors, `[1, 2, 3]` for short ones. */
export function formatVector(values: ArrayLike<unknown>): string {
  const n = values.length;
  if (n <= 3) return `[${Array.from(values, (v) => formatCell(v)).join(", ")}]`;
  return `[${formatCell(values[0])}, ${formatCell(values[1])}, … ${n} values]`;
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const rounded = Math.round(value * 1000) / 1000;
  return rounded === 0 && value !== 0 ? value.toExponential(2) : String(rounded);
}

function asList(value: unknown): ArrayLike<unknown> | undefined {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as unknown as ArrayLike<unknown>;
  // An Arrow Vector (a List cell): has length, get() and toArray().
  const v = value as { length?: unknown; get?: unknown; toArray?: unknown };
  if (typeof v.length === "number" && typeof v.get === "function" && typeof v.toArray === "function") {
    return (v as { toArray(): ArrayLike<unknown> }).toArray();
  }
  return undefined;
}

function clip(text: string, max: number): string {
  const oneLine = text.replace(/\n/g, "\\n");
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/**
 * One line for a call's progress: `embed: 400/1000 rows (40%) · chunks 16 done, 4 running, 20 queued · 120 rows/s · ETA 5s`.
 */
export function describeProgress(p: CallProgress): string {
  const counts = new Map<string, number>();
  for (const chunk of p.chunks) counts.set(chunk.state, (counts.get(chunk.state) ?? 0) + 1);
  const percent = p.totalRows === 0 ? 100 : Math.floor((p.rowsDone / p.totalRows) * 100);
  const chunkParts = ["done", "running", "queued", "retried", "failed", "cancelled"]
    .filter((state) => (counts.get(state) ?? 0) > 0)
    .map((state) => `${counts.get(state)} ${state}`);
  const parts = [
    `${p.functionName}: ${p.rowsDone}/${p.totalRows} rows (${percent}%)`,
    `chunks ${chunkParts.length > 0 ? chunkParts.join(", ") : "none"}`,
    `${Math.round(p.rowsPerSecond)} rows/s`,
  ];
  if (p.state === "running") parts.push(p.etaSeconds === null ? "ETA …" : `ETA ${Math.ceil(p.etaSeconds)}s`);
  else parts.push(p.state);
  return parts.join(" · ");
}
