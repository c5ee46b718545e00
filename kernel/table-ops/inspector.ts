import { DataType, type Dictionary, Table, Vector, vectorFromArray } from "apache-arrow";
import { autoCodes } from "../../maths/color-codes.js";
import { nearestByCosine } from "../../maths/nearest-by-cosine.js";
import { pca } from "../../maths/pca.js";
import { rowNorms } from "../../maths/vector-stats.js";
import { umapProject } from "../projection/umap.js";
import { isVectorColumn, packVectors, type PackedVectors } from "../projection/vectors.js";
import { registerTableOp, TableOpError } from "./registry.js";
import { takeRows } from "./rows.js";

/**
 * The embedding inspector's ops over a table the kernel holds, so a million-row table is projected, coloured,
 * searched and selected where it lives and only results cross to the renderer:
 * - "inspector.norms"  { column, bins? }        → { min, max, counts, skipped, mean }
 * - "inspector.project" { column, method }      → { rows, method, explainedRatio?, fittedRows, ms }, ipc: float32 x, y per row
 * - "inspector.neighbours" { column, row, k? }  → [{ index, similarity }] by cosine over every row
 * - "inspector.colours" { column }              → legend, ipc: one colour code per row
 * - "inspector.search" { column, query }        → { count }, ipc: uint32 matching rows
 * - "inspector.labels" { column, rows }         → the rows' values as text
 * - "inspector.select" { rows: base64 uint32 }  → binds `selection` (an Arrow table of those rows) → { numRows, variable }
 * A column's packed vectors, norms and projections are kept with the table, so a click after a projection does not
 * repack a million vectors.
 */

export const SELECTION_VARIABLE = "selection";
const MAX_LABELS = 1_000;
const MAX_NEIGHBOURS = 1_000;

interface ColumnState {
  packed: PackedVectors;
  norms?: Float32Array;
  projections: Map<string, { xy: Float32Array; result: Record<string, unknown> }>;
}

const states = new WeakMap<Table, Map<string, ColumnState>>();

function invalid(message: string): TableOpError {
  return new TableOpError("CHALKNB_INVALID_ARGUMENT", message);
}

function argsOf(args: unknown): Record<string, unknown> {
  if (args === null || typeof args !== "object") throw invalid("inspector ops take an object of arguments");
  return args as Record<string, unknown>;
}

function columnName(table: Table, args: Record<string, unknown>): string {
  const name = args.column;
  if (typeof name !== "string" || !table.schema.fields.some((f) => f.name === name)) {
    throw invalid(`no column ${JSON.stringify(name)}; the table has: ${table.schema.fields.map((f) => f.name).join(", ")}`);
  }
  return name;
}

function vectorState(table: Table, args: Record<string, unknown>): ColumnState {
  const name = columnName(table, args);
  if (!isVectorColumn(table, name)) throw invalid(`"${name}" is not a float-vector column`);
  let byColumn = states.get(table);
  if (!byColumn) states.set(table, (byColumn = new Map()));
  let state = byColumn.get(name);
  if (!state) byColumn.set(name, (state = { packed: packVectors(table, name), projections: new Map() }));
  return state;
}

function norms(state: ColumnState): Float32Array {
  const { matrix, rows, dim, valid } = state.packed;
  state.norms ??= rowNorms(matrix, rows, dim, valid);
  return state.norms;
}

function bytes(a: Float32Array | Uint32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

registerTableOp("inspector.norms", (table, rawArgs) => {
  const args = argsOf(rawArgs);
  const bins = Math.max(1, Math.min(1_000, Math.floor(Number(args.bins ?? 40)) || 40));
  const ns = norms(vectorState(table, args));
  let min = Infinity, max = -Infinity, sum = 0, skipped = 0;
  for (const x of ns) {
    if (Number.isNaN(x)) { skipped++; continue; }
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (const x of ns) if (!Number.isNaN(x)) counts[width > 0 ? Math.min(bins - 1, Math.floor((x - min) / width)) : 0]!++;
  const valid = ns.length - skipped;
  return { result: valid ? { min, max, counts, skipped, mean: sum / valid } : { min: null, max: null, counts, skipped, mean: null } };
});

registerTableOp("inspector.project", async (table, rawArgs) => {
  const args = argsOf(rawArgs);
  const method = args.method ?? "pca";
  if (method !== "pca" && method !== "umap") throw invalid(`method must be "pca" or "umap", not ${JSON.stringify(method)}`);
  const state = vectorState(table, args);
  let done = state.projections.get(method);
  if (!done) {
    const { matrix, rows, dim, valid } = state.packed;
    const t0 = performance.now();
    if (method === "pca") {
      const p = pca(matrix, rows, dim, { components: 2, valid });
      done = { xy: p.projection, result: { rows, method, explainedRatio: p.explainedRatio, fittedRows: p.fittedRows, ms: performance.now() - t0 } };
    } else {
      const p = await umapProject(matrix, rows, dim, { valid });
      done = { xy: p.projection, result: { rows, method, fittedRows: p.sampleRows, ms: performance.now() - t0 } };
    }
    state.projections.set(method, done);
  }
  return { result: done.result, ipc: bytes(done.xy) };
});

registerTableOp("inspector.neighbours", (table, rawArgs) => {
  const args = argsOf(rawArgs);
  const state = vectorState(table, args);
  const row = Number(args.row);
  if (!Number.isInteger(row) || row < 0 || row >= table.numRows) throw invalid(`row must be an integer in [0, ${table.numRows}), not ${JSON.stringify(args.row)}`);
  const k = Math.max(1, Math.min(MAX_NEIGHBOURS, Math.floor(Number(args.k ?? 10)) || 10));
  const { matrix, rows, dim } = state.packed;
  return { result: nearestByCosine(matrix, rows, dim, row, k, { norms: norms(state) }) };
});

registerTableOp("inspector.colours", (table, rawArgs) => {
  const args = argsOf(rawArgs);
  const column = table.getChild(columnName(table, args))!;
  const { codes, legend } = autoCodes((i) => column.get(i) as unknown, table.numRows);
  return { result: legend, ipc: codes };
});

registerTableOp("inspector.search", (table, rawArgs) => {
  const args = argsOf(rawArgs);
  const column = table.getChild(columnName(table, args))!;
  if (typeof args.query !== "string") throw invalid("search needs { column, query: \"text\" }");
  const q = args.query.trim().toLocaleLowerCase();
  const found: number[] = [];
  if (q !== "") {
    for (let i = 0; i < table.numRows; i++) {
      const v = column.get(i) as unknown;
      if (v === null || v === undefined) continue;
      if ((typeof v === "string" ? v : String(v)).toLocaleLowerCase().includes(q)) found.push(i);
    }
  }
  return { result: { count: found.length }, ipc: bytes(Uint32Array.from(found)) };
});

registerTableOp("inspector.labels", (table, rawArgs) => {
  const args = argsOf(rawArgs);
  const column = table.getChild(columnName(table, args))!;
  const rows = args.rows;
  if (!Array.isArray(rows) || rows.length > MAX_LABELS) throw invalid(`labels needs { column, rows: [at most ${MAX_LABELS} row numbers] }`);
  return {
    result: rows.map((r) => {
      if (!Number.isInteger(r) || r < 0 || r >= table.numRows) return "";
      const v = column.get(r) as unknown;
      const text = v === null || v === undefined ? "" : typeof v === "string" ? v : String(v);
      return text.length > 300 ? `${text.slice(0, 299)}…` : text;
    }),
  };
});

function consecutive(rows: Uint32Array): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i] !== rows[i - 1]! + 1) return false;
  return true;
}

/**
 * The rows as a new table. List cells come out of arrow-js as Vectors, which vectorFromArray cannot read back, so
 * they go in as their typed arrays.
 */
function gatherRows(table: Table, rows: Uint32Array): Table {
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const source = table.getChild(field.name)!;
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = source.get(rows[i]!) as unknown;
      values[i] = v instanceof Vector ? v.toArray() : v;
    }
    const type = DataType.isDictionary(field.type) ? (field.type as Dictionary).dictionary : field.type;
    columns[field.name] = vectorFromArray(values as never[], type);
  }
  return new Table(columns);
}

registerTableOp("inspector.select", (table, rawArgs, ctx) => {
  const args = argsOf(rawArgs);
  if (typeof args.rows !== "string") throw invalid("select needs { rows: base64 of little-endian uint32 row numbers }");
  const buf = Buffer.from(args.rows, "base64");
  if (buf.byteLength % 4 !== 0) throw invalid("select: the rows' bytes are not a whole number of uint32s");
  const rows = new Uint32Array(buf.byteLength / 4);
  new Uint8Array(rows.buffer).set(buf);
  for (const r of rows) if (r >= table.numRows) throw invalid(`select: row ${r} is past the table's ${table.numRows} rows`);
  const selection = rows.length > 0 && consecutive(rows) ? takeRows(table, rows) : gatherRows(table, rows);
  ctx.setVariable(SELECTION_VARIABLE, selection);
  return { result: { numRows: selection.numRows, variable: SELECTION_VARIABLE } };
});
