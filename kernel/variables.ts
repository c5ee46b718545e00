import { inspect } from "node:util";

/**
 * `variables_request`: what the cells declared so far, for a variables view — name, type and a short value, and for
 * Arrow tables their size and schema. Reads values only (no calls, no getters: util.inspect leaves them alone).
 */

export interface VariableInfo {
  name: string;
  /** `Table`, `number`, `string[]`, `Float32Array`, `function`, a class name, … */
  type: string;
  /** One line, at most {@link VALUE_CHARS} characters. */
  value: string;
  /** Arrow tables and record batches: their size and schema. */
  rows?: number;
  columns?: number;
  schema?: Array<{ name: string; type: string }>;
}

/** Longest short value. @default 120 */
export const VALUE_CHARS = 120;

interface ArrowLike {
  numRows: number;
  numCols: number;
  schema: { fields: Array<{ name: string; type: unknown }> };
}

function isArrowTable(value: unknown): value is ArrowLike {
  const v = value as Partial<ArrowLike> | null;
  return typeof v === "object" && v !== null && typeof v.numRows === "number" && typeof v.numCols === "number"
    && Array.isArray(v.schema?.fields);
}

function short(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ");
  return line.length > VALUE_CHARS ? `${line.slice(0, VALUE_CHARS - 1)}…` : line;
}

/** `number`, `string[]`, `function`, `class`, a class name such as `Table`; reads nothing but the prototype. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    const kinds = new Set(value.slice(0, 100).map((v) => (v === null ? "null" : typeof v)));
    return kinds.size === 1 ? `${[...kinds][0]}[]` : "Array";
  }
  if (typeof value === "function") return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? "class" : "function";
  if (typeof value !== "object") return typeof value;
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor || "Object";
}

/**
 * A function's parameter list as written (types were blanked out of the cell in place, so only spaces are left of
 * them); undefined for native functions and shapes not recognised.
 */
export function parameters(fn: (...args: unknown[]) => unknown): string | undefined {
  const source = Function.prototype.toString.call(fn);
  const list = /^(?:async\s*)?(?:function\b\s*\*?\s*[\w$]*\s*)?\(([^)]*)\)/.exec(source)?.[1]
    ?? /^(?:async\s+)?([\w$]+)\s*=>/.exec(source)?.[1]
    ?? /^(?:async\s*)?\*?\s*[\w$]+\s*\(([^)]*)\)/.exec(source)?.[1];
  if (list === undefined || source.includes("[native code]")) return undefined;
  return list.replace(/\s+/g, " ").replace(/\s*,\s*/g, ", ").trim();
}

/** Describes one value for the variables view. */
export function describeVariable(name: string, value: unknown): VariableInfo {
  if (isArrowTable(value)) {
    const schema = value.schema.fields.map((f) => ({ name: f.name, type: String(f.type) }));
    return {
      name,
      type: typeName(value),
      value: short(`${value.numRows.toLocaleString("en-US")} rows × ${value.numCols} columns: ${schema.map((f) => `${f.name}: ${f.type}`).join(", ")}`),
      rows: value.numRows,
      columns: value.numCols,
      schema,
    };
  }
  const type = typeName(value);
  let text: string;
  if (typeof value === "function") {
    const fn = value as (...args: unknown[]) => unknown;
    text = type === "class" ? `class ${fn.name || name}` : `${fn.name || name}(${parameters(fn) ?? "…"})`;
  } else {
    text = inspect(value, { depth: 0, maxArrayLength: 8, maxStringLength: VALUE_CHARS, breakLength: Infinity, getters: false });
  }
  return { name, type, value: short(text) };
}

/** The variables among `names` (in order, each once) that `scope` holds. */
export function listVariables(names: Iterable<string>, scope: object = globalThis): VariableInfo[] {
  const out: VariableInfo[] = [];
  for (const name of new Set(names)) {
    if (!(name in scope)) continue;
    let value: unknown;
    try {
      value = (scope as Record<string, unknown>)[name];
    } catch {
      continue;
    }
    out.push(describeVariable(name, value));
  }
  return out;
}
