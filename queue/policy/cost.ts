import { DataType, type Data, type Table } from "apache-arrow";
import type { CostSpec, CostUnit, FunctionSpec } from "../../protocol/messages.js";

/**
 * Batches by cost (issue 12, item 4), the same on both backends: a function that declares `maxBatchingCost` and a
 * `cost` gets batches whose rows' costs add up to at most `maxBatchingCost` (a single row costing more goes alone), as
 * well as at most `maxBatchingSize` rows. A batch is dispatched when the next row would pass either limit, or when the
 * oldest row has waited `maxBufferDuration`, whichever comes first.
 *
 * Why the cost is declarative (a column and a unit) and not `cost: (row) => number`: batches are formed by the queue,
 * which never runs user code, before any worker sees the rows (a worker only gets a batch once it is formed), and the
 * client does not know the function's definition either. A function cannot cross the wire, so the queue prices each row
 * itself, from the Arrow body it already holds, in O(1) per row: a string's UTF-8 byte length comes from the column's
 * offsets buffer without decoding any text. `bytes/4` approximates tokens (about 4 bytes of English per BPE token);
 * callers with a real tokenizer put the token counts in a column and declare `{ column, per: "value" }`.
 */

export const COST_UNITS: readonly CostUnit[] = ["bytes/4", "bytes", "items", "value"];

/** Problems with `maxBatchingCost` / `cost` / `sortByCost` as a worker declares them (defineFunction, worker hello). */
export function costOptionsProblem(options: { maxBatchingCost?: unknown; cost?: unknown; sortByCost?: unknown }): string | undefined {
  const { maxBatchingCost, cost, sortByCost } = options;
  if (typeof cost === "function") {
    return "cost must be a column-based cost such as { column: \"text\", per: \"bytes/4\" }, not a function: the queue forms batches " +
      "before any worker sees the rows and never runs user code, so it prices each row from the submitted Arrow rows. " +
      "For another measure, add a column with each row's cost to the input table and declare { column: \"cost\", per: \"value\" }";
  }
  if (cost !== undefined) {
    if (typeof cost !== "object" || cost === null || Array.isArray(cost)) return `cost must be { column, per }, got ${describe(cost)}`;
    const { column, per } = cost as { column?: unknown; per?: unknown };
    if (typeof column !== "string" || column === "") return `cost.column must name an input column, got ${describe(column)}`;
    if (per !== undefined && !COST_UNITS.includes(per as CostUnit)) {
      return `cost.per must be one of ${COST_UNITS.map((u) => `"${u}"`).join(", ")}, got ${describe(per)}`;
    }
    const extra = Object.keys(cost).filter((k) => k !== "column" && k !== "per");
    if (extra.length > 0) return `cost takes only column and per, got ${extra.map((k) => JSON.stringify(k)).join(", ")}`;
  }
  if (maxBatchingCost !== undefined && !(typeof maxBatchingCost === "number" && Number.isFinite(maxBatchingCost) && maxBatchingCost > 0)) {
    return `maxBatchingCost must be a positive number, got ${describe(maxBatchingCost)}`;
  }
  if ((maxBatchingCost === undefined) !== (cost === undefined)) {
    return maxBatchingCost === undefined
      ? "cost is set without maxBatchingCost: set the most cost one batch may hold"
      : "maxBatchingCost is set without cost: say how a row's cost is read, e.g. cost: { column: \"text\", per: \"bytes/4\" }";
  }
  if (sortByCost !== undefined && typeof sortByCost !== "boolean") return `sortByCost must be true or false, got ${describe(sortByCost)}`;
  if (sortByCost === true && cost === undefined) return "sortByCost needs a cost (and maxBatchingCost)";
  return undefined;
}

/** The unit a cost is counted in: the declared one, else the natural one for the column's type. */
export function costUnit(cost: CostSpec, type: DataType): CostUnit {
  if (cost.per) return cost.per;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBinary(type) || DataType.isLargeBinary(type)) return "bytes/4";
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) return "items";
  return "value";
}

/** Why the submitted rows cannot be priced by the function's cost (checked at submit, on both backends). */
export function costColumnProblem(spec: FunctionSpec, table: Table): string | undefined {
  const cost = spec.cost;
  if (!cost) return undefined;
  const field = table.schema.fields.find((f) => f.name === cost.column);
  if (!field) {
    return `function "${spec.name}" prices rows by the column "${cost.column}" (maxBatchingCost ${spec.maxBatchingCost}) ` +
      `but the input table has ${table.schema.fields.length ? table.schema.fields.map((f) => JSON.stringify(f.name)).join(", ") : "no columns"}; add that column`;
  }
  const unit = costUnit(cost, field.type);
  const type = field.type;
  const ok = unit === "items"
    ? DataType.isList(type) || DataType.isFixedSizeList(type)
    : unit === "value"
      ? DataType.isInt(type) || DataType.isFloat(type)
      : DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBinary(type) || DataType.isLargeBinary(type);
  if (ok) return undefined;
  const wants = unit === "items" ? "a list column" : unit === "value" ? "a numeric column" : "a string or binary column";
  return `function "${spec.name}" prices rows by "${cost.column}" per ${unit}, which needs ${wants}, but the column is ${type}`;
}

/** Each row's cost (nulls cost 0). Reads offsets, never decodes strings. */
export function rowCosts(table: Table, cost: CostSpec): Float64Array {
  const costs = new Float64Array(table.numRows);
  const column = table.getChild(cost.column);
  if (!column) return costs;
  const unit = costUnit(cost, column.type);
  let row = 0;
  for (const data of column.data as Data[]) {
    const valid = (i: number) => data.nullCount === 0 || data.getValid(i);
    if (unit === "value") {
      const values = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < data.length; i++) costs[row + i] = valid(i) ? Math.max(0, Number(values[data.offset + i])) : 0;
    } else if (DataType.isFixedSizeList(data.type)) {
      const size = (data.type as { listSize: number }).listSize;
      for (let i = 0; i < data.length; i++) costs[row + i] = valid(i) ? size : 0;
    } else {
      // Utf8 / Binary / List: valueOffsets is already relative to this slice (length + 1 entries).
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const scale = unit === "bytes/4" ? 0.25 : 1;
      for (let i = 0; i < data.length; i++) costs[row + i] = valid(i) ? Number(offsets[i + 1]) * scale - Number(offsets[i]) * scale : 0;
    }
    row += data.length;
  }
  return costs;
}

/** The cost limit of a spec, or undefined when it batches by rows only. */
export function costLimit(spec: Pick<FunctionSpec, "cost" | "maxBatchingCost">): number | undefined {
  return spec.cost && spec.maxBatchingCost !== undefined ? spec.maxBatchingCost : undefined;
}

/** What batch formation needs of an item priced by cost. */
export interface CostedItem {
  readonly rowCount: number;
  /** Each row's cost, when the function declares one. */
  readonly costs?: Float64Array;
}

/**
 * True when the rows at the front of the buffer already make a full batch: `maxRows` rows, or a cost the next row
 * would pass (a cost at the limit counts as full: no row of positive cost fits any more).
 */
export function costFull(buffer: readonly CostedItem[], maxRows: number, maxCost: number): boolean {
  let rows = 0;
  let cost = 0;
  for (const item of buffer) {
    const costs = item.costs;
    for (let i = 0; i < item.rowCount; i++) {
      cost += costs ? costs[i] : 0;
      rows += 1;
      if (rows >= maxRows || cost >= maxCost) return true;
    }
  }
  return false;
}

/** The total cost of a batch's items. */
export function batchCost(items: readonly CostedItem[]): number {
  let cost = 0;
  for (const item of items) if (item.costs) for (let i = 0; i < item.rowCount; i++) cost += item.costs[i];
  return cost;
}

/** How many of `item`'s first rows fit next to `cost` already taken (at least one when nothing is taken yet). */
export function rowsWithinCost(item: CostedItem, rows: number, taken: number, cost: number, maxCost: number): { rows: number; cost: number } {
  const costs = item.costs;
  if (!costs) return { rows, cost };
  let n = 0;
  while (n < rows && (taken + n === 0 || cost + costs[n] <= maxCost)) {
    cost += costs[n];
    n += 1;
  }
  return { rows: n, cost };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return typeof value === "number" || typeof value === "boolean" ? String(value) : typeof value;
}
