import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { CellCompileError, type CompiledCell } from "./cell-compiler.js";
import type { ErrorContent } from "./messages.js";

/**
 * Turns what a cell threw into an `error` output: `ename`, `evalue` and a traceback whose cell frames point at the
 * cells' own lines and columns (mapped through the compiler's source maps), with the kernel's own frames left out.
 */

/** Remembers compiled cells by file name so frames from earlier cells (functions they defined) map too. */
export class CellRegistry {
  readonly #cells = new Map<string, CompiledCell>();
  readonly #limit: number;
  /** @param limit cells remembered; the oldest are dropped. @default 2000 */
  constructor(limit = 2000) {
    this.#limit = limit;
  }
  add(cell: CompiledCell): void {
    this.#cells.set(cell.filename, cell);
    if (this.#cells.size > this.#limit) this.#cells.delete(this.#cells.keys().next().value as string);
  }
  get(filename: string): CompiledCell | undefined {
    return this.#cells.get(filename);
  }
}

const kernelDir = path.dirname(fileURLToPath(import.meta.url));
/** A frame in a cell: `cell[N]` (counted runs) or `silent[N]` (runs that take no execution count). */
const FRAME = /^(\s*at (?:.*? \()?)((?:cell|silent)\[\d+\]):(\d+):(\d+)(\)?)$/;

/** The error output for a value a cell threw (or rejected with). */
export function toErrorContent(error: unknown, cells: CellRegistry): ErrorContent {
  if (error instanceof CellCompileError) return compileErrorContent(error);
  if (!isErrorLike(error)) {
    const text = inspect(error, { depth: 2 });
    return { ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
  }
  const ename = error.name || error.constructor?.name || "Error";
  const evalue = String(error.message ?? "");
  const traceback = [`${ename}: ${evalue}`];
  let excerpt: string[] | undefined;
  for (const line of frameLines(error.stack)) {
    const m = FRAME.exec(line);
    if (m) {
      const cell = cells.get(m[2]!);
      const pos = cell?.mapPosition(Number(m[3]), Number(m[4]));
      if (pos) {
        traceback.push(`${m[1]}${m[2]}:${pos.line}:${pos.column}${m[5]}`);
        excerpt ??= sourceExcerpt(cell!, pos.line, pos.column);
      } else if (!cell) {
        traceback.push(line);
      }
      continue;
    }
    if (isInternalFrame(line)) continue;
    traceback.push(line);
  }
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; cause !== undefined && depth < 3; depth++) {
    traceback.push(isErrorLike(cause) ? `Caused by: ${cause.name}: ${cause.message}` : `Caused by: ${inspect(cause)}`);
    cause = isErrorLike(cause) ? (cause as { cause?: unknown }).cause : undefined;
  }
  if (excerpt) traceback.push(...excerpt);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? { ename, evalue, traceback, code } : { ename, evalue, traceback };
}

function compileErrorContent(error: CellCompileError): ErrorContent {
  return {
    ename: "SyntaxError",
    evalue: error.message,
    traceback: [
      `SyntaxError: ${error.message}`,
      `    at ${error.filename}:${error.line}:${error.column + 1}`,
      ...excerptLines(error.line, error.lineText, error.column + 1),
    ],
  };
}

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === "object" && value !== null && "message" in value && "stack" in value);
}

function frameLines(stack: string | undefined): string[] {
  if (!stack) return [];
  const lines = stack.split("\n");
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  return first < 0 ? [] : lines.slice(first).filter((l) => /^\s+at /.test(l));
}

function isInternalFrame(line: string): boolean {
  return line.includes("node:internal/") || line.includes("(node:vm:") || line.includes(kernelDir + path.sep) || line.includes(`at ${kernelDir}`);
}

function sourceExcerpt(cell: CompiledCell, line: number, column: number): string[] | undefined {
  const text = cell.source.split("\n")[line - 1];
  return text === undefined ? undefined : [`${cell.filename}, line ${line}:`, ...excerptLines(line, text, column)];
}

function excerptLines(line: number, text: string, column: number): string[] {
  const gutter = String(line);
  return [`  ${gutter} | ${text}`, `  ${" ".repeat(gutter.length)} | ${" ".repeat(Math.max(0, column - 1))}^`];
}
