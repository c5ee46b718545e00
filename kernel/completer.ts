/**
 * `complete_request`: names in scope, from the live global scope (what earlier cells declared, the cell globals,
 * JavaScript's own globals), and members after a dot (`result.num` → `numRows`, `numCols`), read from the live
 * object like Node's REPL does. Only property reads happen, never calls.
 */

export interface Completion {
  matches: string[];
  /** Where the replaced text starts and ends in `code` (UTF-16 indices). */
  cursor_start: number;
  cursor_end: number;
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
    const names = target === undefined || target === null ? [] : propertyNames(target);
    return { matches: filter(names, prefix), cursor_start: pos - prefix.length, cursor_end: end };
  }
  const word = WORD.exec(before)?.[0] ?? "";
  const names = new Set<string>([...propertyNames(scope), ...KEYWORDS]);
  for (const name of [...names]) if (name.startsWith("__chalknb_")) names.delete(name);
  return { matches: filter([...names], word), cursor_start: pos - word.length, cursor_end: end };
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

function propertyNames(value: unknown): string[] {
  const names = new Set<string>();
  let object: unknown = typeof value === "object" || typeof value === "function" ? value : Object(value);
  for (let depth = 0; object !== null && object !== undefined && depth < 8; depth++) {
    if (object === Object.prototype && depth > 0) break;
    for (const key of Object.getOwnPropertyNames(object)) if (/^[A-Za-z_$][\w$]*$/.test(key)) names.add(key);
    object = Object.getPrototypeOf(object);
  }
  names.delete("constructor");
  return [...names];
}

function filter(names: string[], prefix: string): string[] {
  return names.filter((n) => n.startsWith(prefix)).sort((a, b) => a.localeCompare(b));
}
