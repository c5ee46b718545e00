import * as arrow from "apache-arrow";
import { Table, tableToIPC, vectorFromArray, type Vector } from "apache-arrow";
import { compactDictionaries } from "./compact.js";
import { registerTableOp, TableOpError } from "./registry.js";
import { findView, makeView, type SortKey, type ViewSpec } from "./views.js";

/**
 * The grid's ops: "window" (rows [start, end) of the table or of a view, as an Arrow IPC stream), "sort" and "filter"
 * (make a view: result { view, numRows }), and "view" (a view of given rows, e.g. the inspector's selection, with the
 * grid's filter and sort applied within them).
 */

/** Most rows one window may ask for (a 512-d float row is 2 KiB: 10,000 rows are 20 MiB over IPC). */
export const MAX_WINDOW_ROWS = 10_000;

export interface WindowArgs {
  start: number;
  end: number;
  /** A view from "sort" / "filter"; the table's own row order when omitted. */
  view?: string;
}

export interface WindowResult {
  start: number;
  /** Clamped to the rows there are. */
  end: number;
  /** Rows in the table or view. */
  numRows: number;
  /** The table row of each window row (the view's order), so a selection can name table rows. */
  rowIndex: number[];
}

function invalid(message: string): TableOpError {
  return new TableOpError("CHALKNB_INVALID_ARGUMENT", message);
}

function isRowNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** Checks a window against the rows there are: a start past the end is an error, an end past it is clamped. */
export function checkWindow(args: unknown, numRows: number): { start: number; end: number; view?: string } {
  const a = (args ?? {}) as Partial<WindowArgs>;
  if (!isRowNumber(a.start) || !isRowNumber(a.end)) {
    throw invalid(`window needs whole row numbers { start, end } with 0 ≤ start ≤ end; got ${JSON.stringify(args)}`);
  }
  if (a.end < a.start) throw invalid(`window end (${a.end}) is before its start (${a.start})`);
  if (a.start > numRows || (a.start === numRows && a.end > a.start)) {
    throw invalid(`window starts at row ${a.start} but there are ${numRows} rows (last row ${numRows - 1})`);
  }
  if (a.end - a.start > MAX_WINDOW_ROWS) throw invalid(`window of ${a.end - a.start} rows: ask for at most ${MAX_WINDOW_ROWS} at a time`);
  if (a.view !== undefined && typeof a.view !== "string") throw invalid(`window view must be a view id from "sort" or "filter"`);
  return { start: a.start, end: Math.min(a.end, numRows), view: a.view };
}

/** The given rows of `table`, in that order, as a new table (runs of consecutive rows are sliced, not copied). */
export function takeRows(table: Table, rows: ArrayLike<number>): Table {
  const n = rows.length;
  if (n === 0) return table.slice(0, 0);
  let consecutive = true;
  for (let i = 1; i < n && consecutive; i++) consecutive = rows[i] === rows[i - 1]! + 1;
  if (consecutive) return compactDictionaries(table.slice(rows[0], rows[0]! + n), arrow);
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const source = table.getChild(field.name)!;
    const values = new Array<unknown>(n);
    // Nested values (list rows are Vectors) go to the builder as plain arrays, which it reads.
    for (let i = 0; i < n; i++) {
      const v = source.get(rows[i]!) as unknown;
      values[i] = v instanceof arrow.Vector ? [...v] : v;
    }
    // A dictionary column is decoded (its whole dictionary would ride along otherwise).
    const type = arrow.DataType.isDictionary(field.type) ? (field.type as arrow.Dictionary).dictionary : field.type;
    columns[field.name] = vectorFromArray(values as never[], type);
  }
  return new Table(columns);
}

registerTableOp("window", (table, args) => {
  const a = args as Partial<WindowArgs> | undefined;
  const view = a && typeof a.view === "string" ? findView(table, a.view) : undefined;
  const numRows = view ? view.rows.length : table.numRows;
  const { start, end } = checkWindow(args, numRows);
  const rowIndex = new Array<number>(end - start);
  for (let i = start; i < end; i++) rowIndex[i - start] = view ? view.rows[i]! : i;
  const rows = view ? takeRows(table, view.rows.subarray(start, end)) : compactDictionaries(table.slice(start, end), arrow);
  const result: WindowResult = { start, end, numRows, rowIndex };
  return { result, ipc: tableToIPC(rows, "stream") };
});

function sortKey(value: unknown): SortKey | undefined {
  if (value === undefined || value === null) return undefined;
  const k = value as Partial<SortKey>;
  if (typeof k.column !== "string") throw invalid(`sort needs { column: "name", descending?: boolean }; got ${JSON.stringify(value)}`);
  return { column: k.column, descending: k.descending === true };
}

function filterText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw invalid(`filter must be text such as "score > 0.5"; got ${JSON.stringify(value)}`);
  return value;
}

function viewResult(table: Table, spec: ViewSpec): { result: { view: string; numRows: number } } {
  const view = makeView(table, spec);
  return { result: { view: view.id, numRows: view.rows.length } };
}

/** args: { column, descending?, filter? } — the view keeps the current filter. */
registerTableOp("sort", (table, args) => {
  const a = (args ?? {}) as { filter?: unknown };
  return viewResult(table, { sort: sortKey(args), filter: filterText(a.filter) });
});

/** args: { expression, sort? } — the view keeps the current sort. */
registerTableOp("filter", (table, args) => {
  const a = (args ?? {}) as { expression?: unknown; sort?: unknown };
  return viewResult(table, { filter: filterText(a.expression), sort: sortKey(a.sort) });
});

/** Little-endian uint32 row numbers sent as base64 (a selection of 100,000 rows is 530 KB of text, not 1 MB of JSON). */
function rowsFromBase64(value: unknown): Uint32Array {
  if (typeof value !== "string") throw invalid("view needs { rows: base64 of little-endian uint32 row numbers, filter?, sort? }");
  const buf = Buffer.from(value, "base64");
  if (buf.byteLength % 4 !== 0) throw invalid("view: the rows' bytes are not a whole number of uint32s");
  const rows = new Uint32Array(buf.byteLength / 4);
  new Uint8Array(rows.buffer).set(buf);
  return rows;
}

/** args: { rows (base64 uint32), filter?, sort? } — only those rows, in row order unless sorted. */
registerTableOp("view", (table, args) => {
  const a = (args ?? {}) as { rows?: unknown; filter?: unknown; sort?: unknown };
  return viewResult(table, { rows: rowsFromBase64(a.rows), filter: filterText(a.filter), sort: sortKey(a.sort) });
});
