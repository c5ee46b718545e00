import { inspect as inspectValue } from "node:util";

/**
 * `inspect_request` and `is_complete_request`, and the cursor arithmetic Jupyter needs: its `cursor_pos` counts
 * Unicode code points (protocol 5.2+), JavaScript strings count UTF-16 units. Inspection reads the same live objects
 * `complete_request` does (`kernel/completer.ts`): property reads only, never calls.
 */

/** UTF-16 index of the `codePoints`-th code point of `text`. */
export function codePointToIndex(text: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  return index;
}

/** Code points in `text` before UTF-16 index `index`. */
export function indexToCodePoint(text: string, index: number): number {
  return [...text.slice(0, index)].length;
}

const CHAIN = /((?:[A-Za-z_$][\w$]*)(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)$/;

export interface Inspection {
  found: boolean;
  data: Record<string, string>;
}

/** What the name (or member chain) at `cursor` (UTF-16) is, from the live scope. */
export function inspectAt(code: string, cursor: number, detailLevel: number, scope: object = globalThis): Inspection {
  let end = Math.max(0, Math.min(cursor, code.length));
  while (end < code.length && /[\w$]/.test(code[end]!)) end++;
  const chain = CHAIN.exec(code.slice(0, end))?.[1];
  if (!chain) return { found: false, data: {} };
  const path = chain.split(/\s*\??\.\s*/);
  let value: unknown = scope;
  for (const key of path) {
    if (value === null || value === undefined || !(key in Object(value))) return { found: false, data: {} };
    try {
      value = (value as Record<string, unknown>)[key];
    } catch {
      return { found: false, data: {} };
    }
  }
  const name = path.join(".");
  return { found: true, data: { "text/plain": describe(name, value, detailLevel) } };
}

function describe(name: string, value: unknown, detailLevel: number): string {
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    const isClass = source.startsWith("class");
    const head = isClass ? `class ${value.name || name}` : `${value.name || name}(${parameterList(source)})`;
    const lines = [`${name}: ${isClass ? "class" : "function"} ${head}`];
    const members = Object.getOwnPropertyNames(isClass ? value.prototype ?? {} : {}).filter((k) => k !== "constructor");
    if (members.length > 0) lines.push(`methods: ${members.slice(0, 30).join(", ")}`);
    if (detailLevel > 0 && !source.includes("[native code]")) lines.push("", source);
    return lines.join("\n");
  }
  const type = value === null ? "null" : typeof value === "object" ? (value.constructor?.name ?? "Object") : typeof value;
  return `${name}: ${type}\n${inspectValue(value, { depth: detailLevel > 0 ? 4 : 1, maxArrayLength: 20, breakLength: 100 })}`;
}

function parameterList(source: string): string {
  const open = source.indexOf("(");
  if (open < 0) return "";
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === "(") depth++;
    // Type annotations are blanked in place by the cell compiler: drop the spaces they leave.
    else if (source[i] === ")" && --depth === 0) return source.slice(open + 1, i).replace(/\s+/g, " ").replace(/ ,/g, ",").trim();
  }
  return "…";
}

export interface Completeness {
  status: "complete" | "incomplete" | "invalid";
  indent?: string;
}

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/**
 * Whether a console should run `code` now (Enter) or wait for more lines: open brackets, strings, template literals
 * or block comments make it incomplete; a closing bracket that matches nothing makes it invalid. A lexical scan, so
 * it holds for TypeScript as well as JavaScript (regular expression literals are not told apart from division).
 */
export function isComplete(code: string): Completeness {
  const stack: string[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    if (stack[stack.length - 1] === "`") {
      // Inside a template literal: only its end and `${` matter.
      if (c === "`") {
        stack.pop();
        i++;
      } else if (c === "\\") i += 2;
      else if (c === "$" && code[i + 1] === "{") {
        stack.push("${");
        i += 2;
      } else i++;
      continue;
    }
    if (c === "/" && code[i + 1] === "/") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && code[i + 1] === "*") {
      const close = code.indexOf("*/", i + 2);
      if (close < 0) return { status: "incomplete", indent: "" };
      i = close + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < code.length && code[i] !== c && code[i] !== "\n") i += code[i] === "\\" ? 2 : 1;
      if (i >= code.length) return { status: "incomplete", indent: "" };
      if (code[i] === "\n") return { status: "invalid" };
      i++;
      continue;
    }
    if (c === "`") stack.push("`");
    else if (c in CLOSERS) stack.push(c);
    else if (c === ")" || c === "]" || c === "}") {
      const open = stack.pop();
      const expected = open === "${" ? "}" : open === undefined ? undefined : CLOSERS[open];
      if (expected !== c) return { status: "invalid" };
    }
    i++;
  }
  if (stack.length === 0) return { status: "complete" };
  const depth = stack.filter((s) => s !== "`").length;
  return { status: "incomplete", indent: "  ".repeat(depth) };
}
