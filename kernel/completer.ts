import { describeVariable, parameters, typeName } from "./variables.js";

/**
 * `complete_request`: names in scope, from the live global scope (what earlier cells declared, the cell globals,
 * JavaScript's own globals), and members after a dot (`result.num` → `numRows`, `numCols`), read from the live
 * object like Node's REPL does. Only data properties are read, never getters, never calls. Each name comes once,
 * with a kind and a detail (a method's parameters, a property's type); `_`-prefixed members are left out unless the
 * typed prefix starts with `_` (they are private by convention: `_nullCount`, `_offsets`).
 */

export interface CompletionItemInfo {
  text: string;
  /** Jupyter's `_jupyter_types_experimental` kinds, plus `method` and `class`. */
  type: "function" | "method" | "class" | "property" | "variable" | "keyword";
  /** `chunkedCall(table, options)`, `number`, `Table`, … */
  signature?: string;
}

export interface Completion {
  matches: string[];
  /** Where the replaced text starts and ends in `code` (UTF-16 indices). */
  cursor_start: number;
  cursor_end: number;
  /** One per match, in the same order. */
  items: CompletionItemInfo[];
}

const KEYWORDS = [
  "await", "async", "break", "case", "catch", "class", "const", "continue", "default", "delete", "do", "else",
  "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "let", "new",
  "null", "return", "switch", "this", "throw", "true", "try", "typeof", "undefined", "var", "void", "while", "yield",
];

const MEMBER = /((?:[A-Za-z_$][\w$]*)(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)\s*\??\.\s*([A-Za-z_$][\w$]*)?$/;
const WORD = /[A-Za-z_$][\w$]*$/;

/** Completes the identifier or member access that ends at `cursorPos`. */
export function complete(code: string, cursorPos: number, scope: object = globalThis): Completion {
  const pos = Math.max(0, Math.min(cursorPos, code.length));
  let end = pos;
  while (end < code.length && /[\w$]/.test(code[end]!)) end++;
  const before = code.slice(0, pos);
  const member = MEMBER.exec(before);
  if (member) {
    const prefix = member[2] ?? "";
    const target = lookup(scope, member[1]!.split(/\s*\??\.\s*/));
    const found = target === undefined || target === null ? new Map<string, Slot>() : properties(target);
    return result(found, prefix, pos - prefix.length, end, "method");
  }
  const word = WORD.exec(before)?.[0] ?? "";
  const found = properties(scope);
  for (const name of [...found.keys()]) if (name.startsWith("__chalknb_")) found.delete(name);
  for (const keyword of KEYWORDS) if (!found.has(keyword)) found.set(keyword, { keyword: true });
  return result(found, word, pos - word.length, end, "function");
}

/**
 * Hover text for the identifier or member access around `cursorPos`: its live value's type and short value (for
 * an Arrow table, rows × columns and schema). Undefined when nothing by that name exists.
 */
export function inspectAt(code: string, cursorPos: number, scope: object = globalThis): { name: string; type: string; value: string } | undefined {
  let end = Math.max(0, Math.min(cursorPos, code.length));
  while (end < code.length && /[\w$]/.test(code[end]!)) end++;
  const path = /((?:[A-Za-z_$][\w$]*)(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)$/.exec(code.slice(0, end))?.[1];
  if (!path) return undefined;
  const keys = path.split(/\s*\??\.\s*/);
  const owner = lookup(scope, keys.slice(0, -1));
  if (owner === undefined || owner === null) return undefined;
  const slot = properties(owner).get(keys.at(-1)!);
  if (!slot || slot.keyword) return undefined;
  if (slot.getter) return { name: path, type: "getter", value: "(not read: a getter runs code)" };
  const described = describeVariable(path, slot.value);
  return { name: path, type: described.type, value: described.value };
}

interface Slot {
  value?: unknown;
  getter?: boolean;
  keyword?: boolean;
}

function lookup(scope: object, path: string[]): unknown {
  let value: unknown = scope;
  for (const key of path) {
    if (value === null || value === undefined) return undefined;
    try {
      value = (value as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return value;
}

/** Own and inherited properties (nearest first, so a subclass's own member wins), without Object.prototype's. */
function properties(value: unknown): Map<string, Slot> {
  const found = new Map<string, Slot>();
  let object: unknown = typeof value === "object" || typeof value === "function" ? value : Object(value);
  for (let depth = 0; object !== null && object !== undefined && depth < 8; depth++) {
    if (object === Object.prototype && depth > 0) break;
    for (const key of Object.getOwnPropertyNames(object)) {
      if (found.has(key) || !/^[A-Za-z_$][\w$]*$/.test(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      if (!descriptor) continue;
      found.set(key, descriptor.get ? { getter: true } : { value: descriptor.value });
    }
    object = Object.getPrototypeOf(object);
  }
  found.delete("constructor");
  return found;
}

function result(found: Map<string, Slot>, prefix: string, start: number, end: number, callable: "method" | "function"): Completion {
  const names = [...found.keys()]
    .filter((n) => n.startsWith(prefix) && (prefix.startsWith("_") || !n.startsWith("_")))
    .sort((a, b) => a.localeCompare(b));
  return { matches: names, cursor_start: start, cursor_end: end, items: names.map((n) => itemInfo(n, found.get(n)!, callable)) };
}

function itemInfo(text: string, slot: Slot, callable: "method" | "function"): CompletionItemInfo {
  if (slot.keyword) return { text, type: "keyword" };
  if (slot.getter) return { text, type: "property" };
  // Only the type: completing the global scope lists every global, and formatting values would cost time per keystroke.
  const value = slot.value;
  const type = typeName(value);
  if (type === "class") return { text, type: "class", signature: `class ${text}` };
  if (type === "function") return { text, type: callable, signature: `${text}(${parameters(value as (...args: unknown[]) => unknown) ?? "…"})` };
  return { text, type: callable === "method" ? "property" : "variable", signature: type };
}
