import { DataType, type Table, type Vector } from "apache-arrow";
import { TableOpError } from "./registry.js";

/**
 * Sorted and filtered views of a table the kernel holds: an index array over the table's rows (no row is copied), kept
 * per table so a row window can read through it. Computed over Arrow directly: a typed-array index sort for numbers,
 * a collator-free code-unit compare for text. A native engine (DuckDB) would tie the extension to one platform; a
 * million rows sort here in well under a second.
 */

export interface SortKey {
  column: string;
  descending?: boolean;
}

export interface ViewSpec {
  sort?: SortKey | null;
  /** A filter expression: `column op value` (op: = != < <= > >= contains), or bare text matched in every text column. */
  filter?: string | null;
  /**
   * Only these table rows (e.g. the inspector's selection), in row order; a filter and a sort then apply within them.
   * Checked by {@link selectedRows}.
   */
  rows?: Uint32Array | null;
}

export interface View {
  id: string;
  spec: ViewSpec;
  /** Rows of the table, in view order. */
  rows: Uint32Array;
}

/** Views kept per table; older ones are dropped (the renderer asks for its current view only). */
const MAX_VIEWS_PER_TABLE = 8;
const views = new WeakMap<Table, Map<string, View>>();
let nextView = 0;

export function makeView(table: Table, spec: ViewSpec): View {
  let rows: Uint32Array | undefined = spec.rows ? selectedRows(table, spec.rows) : undefined;
  if (spec.filter != null && String(spec.filter).trim() !== "") {
    const passed = filterRows(table, String(spec.filter));
    rows = rows ? intersectRows(rows, passed, table.numRows) : passed;
  }
  if (spec.sort) rows = sortRows(table, spec.sort, rows);
  rows ??= identity(table.numRows);
  const view: View = { id: `v${++nextView}`, spec, rows };
  let byId = views.get(table);
  if (!byId) views.set(table, (byId = new Map()));
  byId.set(view.id, view);
  while (byId.size > MAX_VIEWS_PER_TABLE) byId.delete(byId.keys().next().value as string);
  return view;
}

export function findView(table: Table, id: string): View {
  const view = views.get(table)?.get(id);
  if (!view) throw new TableOpError("CHALKNB_STALE_VIEW", `the sorted/filtered/selected view "${id}" is gone (the kernel keeps the last ${MAX_VIEWS_PER_TABLE}); sort or filter again`);
  return view;
}

/** Row numbers in ascending order without repeats; a row past the table's end is refused with the table's size. */
export function selectedRows(table: Table, rows: ArrayLike<number>): Uint32Array {
  const seen = new Uint8Array(table.numRows);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(Number.isInteger(r) && r >= 0 && r < table.numRows)) {
      throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `view: row ${r} is not a row of the table (it has ${table.numRows} rows, 0–${table.numRows - 1})`);
    }
    if (!seen[r]) n++;
    seen[r] = 1;
  }
  // Marking then sweeping sorts and drops repeats in one pass over the table (a selection is often most of it).
  const out = new Uint32Array(n);
  let k = 0;
  for (let r = 0; r < seen.length && k < n; r++) if (seen[r]) out[k++] = r;
  return out;
}

/** The rows of `a` that are also in `b` (both ascending), in order. */
function intersectRows(a: Uint32Array, b: Uint32Array, numRows: number): Uint32Array {
  const inB = new Uint8Array(numRows);
  for (const r of b) inB[r] = 1;
  return a.filter((r) => inB[r] === 1);
}

function identity(n: number): Uint32Array {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

function column(table: Table, name: string): Vector {
  const vector = table.getChild(name);
  if (!vector) {
    const names = table.schema.fields.map((f) => f.name).join(", ");
    throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `no column "${name}" in the table; its columns: ${names}`);
  }
  return vector;
}

type Keys = { kind: "number"; values: Float64Array } | { kind: "text"; values: (string | null)[] };

/** A column's values as sort keys: numbers (nulls as NaN) or text (nulls as null). Lists and structs do not sort. */
function sortKeys(vector: Vector, name: string): Keys {
  const type = vector.type;
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) || DataType.isBool(type) || DataType.isDate(type) || DataType.isTimestamp(type) || DataType.isTime(type)) {
    const values = new Float64Array(vector.length);
    let i = 0;
    for (const v of vector) values[i++] = v === null || v === undefined ? Number.NaN : Number(v);
    return { kind: "number", values };
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isDictionary(type)) {
    const values = new Array<string | null>(vector.length);
    let i = 0;
    for (const v of vector) values[i++] = v === null || v === undefined ? null : String(v);
    return { kind: "text", values };
  }
  if ((DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isLargeList(type)) && DataType.isFloat(type.children[0]!.type)) {
    // A float-vector column sorts by each row's norm, as the grid's vector cells show it.
    const values = new Float64Array(vector.length);
    let i = 0;
    for (const v of vector as Iterable<{ toArray(): ArrayLike<number> } | null>) {
      if (v === null || v === undefined) values[i++] = Number.NaN;
      else {
        const xs = v.toArray();
        let sum = 0;
        for (let k = 0; k < xs.length; k++) sum += xs[k]! * xs[k]!;
        values[i++] = Math.sqrt(sum);
      }
    }
    return { kind: "number", values };
  }
  throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `column "${name}" holds ${String(type)} values, which do not sort; sort by a number, date, text or float-vector column`);
}

/** Rows (all, or `subset`) ordered by one column; ties keep row order; nulls last either way. */
export function sortRows(table: Table, key: SortKey, subset?: Uint32Array): Uint32Array {
  const keys = sortKeys(column(table, key.column), key.column);
  const rows = subset ? Uint32Array.from(subset) : identity(table.numRows);
  const dir = key.descending ? -1 : 1;
  if (keys.kind === "number") {
    const v = keys.values;
    rows.sort((a, b) => {
      const x = v[a];
      const y = v[b];
      const xn = Number.isNaN(x);
      const yn = Number.isNaN(y);
      if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
      return x === y ? a - b : (x < y ? -dir : dir);
    });
  } else {
    const v = keys.values;
    rows.sort((a, b) => {
      const x = v[a];
      const y = v[b];
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      return x === y ? a - b : (x < y ? -dir : dir);
    });
  }
  return rows;
}

const OPS = ["<=", ">=", "!=", "==", "=", "<", ">", "contains", "~"] as const;
type Op = (typeof OPS)[number];

interface Condition {
  column?: string;
  op: Op;
  value: string;
}

/** Parses `column op value`; text with no known column and operator is a search over every text column. */
export function parseFilter(table: Table, expression: string): Condition {
  const text = expression.trim();
  const names = table.schema.fields.map((f) => f.name).sort((a, b) => b.length - a.length);
  for (const name of names) {
    if (!text.startsWith(name)) continue;
    const rest = text.slice(name.length).trimStart();
    const op = OPS.find((o) => rest.startsWith(o) && (o !== "contains" || /^contains\s/.test(rest)));
    if (!op) continue;
    const value = unquote(rest.slice(op.length).trim());
    if (value === "") throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `filter "${text}" has no value after "${op}"; e.g. ${name} ${op} 10`);
    return { column: name, op, value };
  }
  return { op: "contains", value: unquote(text) };
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}

/** The rows that pass a filter expression, in row order. */
export function filterRows(table: Table, expression: string): Uint32Array {
  const cond = parseFilter(table, expression);
  const out = new Uint32Array(table.numRows);
  let n = 0;
  const vectors = cond.column
    ? [column(table, cond.column)]
    : table.schema.fields.filter((f) => DataType.isUtf8(f.type) || DataType.isLargeUtf8(f.type) || DataType.isDictionary(f.type)).map((f) => table.getChild(f.name) as Vector);
  if (vectors.length === 0) {
    throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `filter "${expression}": the table has no text column to search; write column op value, e.g. ${table.schema.fields[0]?.name ?? "x"} > 0`);
  }
  const test = predicate(cond, vectors[0]!.type);
  if (vectors.length === 1) {
    let i = 0;
    for (const v of vectors[0]!) {
      if (test(v)) out[n++] = i;
      i++;
    }
    return out.slice(0, n);
  }
  // A search over several text columns: a row passes when any of them matches.
  const hit = new Uint8Array(table.numRows);
  for (const vector of vectors) {
    let i = 0;
    for (const v of vector) {
      if (!hit[i] && test(v)) hit[i] = 1;
      i++;
    }
  }
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[n++] = i;
  return out.slice(0, n);
}

function predicate(cond: Condition, type: DataType): (v: unknown) => boolean {
  if (cond.op === "contains" || cond.op === "~") {
    const needle = cond.value.toLowerCase();
    return (v) => v !== null && v !== undefined && String(v).toLowerCase().includes(needle);
  }
  const numeric = DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type) || DataType.isDate(type) || DataType.isTimestamp(type);
  let target: number | string | boolean = cond.value;
  if (numeric) {
    target = Number(cond.value);
    if (!Number.isFinite(target)) throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `filter: column "${cond.column}" holds numbers but "${cond.value}" is not a number`);
  } else if (DataType.isBool(type)) {
    if (cond.value !== "true" && cond.value !== "false") throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `filter: column "${cond.column}" holds true/false, not "${cond.value}"`);
    target = cond.value === "true";
  } else if (!(DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isDictionary(type))) {
    throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `filter: column "${cond.column}" holds ${String(type)} values, which filter only by number, text or true/false`);
  }
  const t = target;
  const key = (v: unknown): number | string | boolean => (numeric ? Number(v) : typeof t === "boolean" ? Boolean(v) : String(v));
  switch (cond.op) {
    case "=":
    case "==":
      return (v) => v !== null && v !== undefined && key(v) === t;
    case "!=":
      return (v) => v !== null && v !== undefined && key(v) !== t;
    case "<":
      return (v) => v !== null && v !== undefined && key(v) < t;
    case "<=":
      return (v) => v !== null && v !== undefined && key(v) <= t;
    case ">":
      return (v) => v !== null && v !== undefined && key(v) > t;
    default:
      return (v) => v !== null && v !== undefined && key(v) >= t;
  }
}
