import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import type { CellDiagnostic } from "./messages.js";
import { CELLS_FILE, IGNORED_CODES, PRELUDE, PRELUDE_FILE, checkerOptions } from "./type-check-program.js";

/**
 * The kernel's type checker, in a worker thread so it never delays a cell (issue 4: type errors still reported, off the
 * hot path). It keeps the latest source of every executed cell (by cell id) and checks them as one virtual module,
 * in the order the cells first ran, against a prelude declaring the cell globals; each cell gets the diagnostics that fall inside its own text.
 * Redeclaration errors are dropped: re-declaring a `const` in a later cell is allowed in a notebook.
 * Uses the typescript@5 compiler API (the native typescript@7 has none).
 * @internal
 */

export interface CheckRequest {
  key: string;
  source: string;
  parentId: string;
  executionCount: number;
  cellId?: string;
}

export interface CheckResult {
  parentId: string;
  executionCount: number;
  cellId?: string;
  diagnostics: CellDiagnostic[];
}

/** Most cells kept for checking; the oldest are dropped. */
const MAX_CELLS = 500;

const { cwd } = workerData as { cwd: string };
const require = createRequire(import.meta.url);
const ts = require("typescript") as typeof import("typescript");

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const preludeFile = path.join(cwd, PRELUDE_FILE);
const cellsFile = path.join(cwd, CELLS_FILE);

const prelude = PRELUDE;
const options = checkerOptions(ts, packageRoot, cwd);

/** The latest source of each cell, in the order of their first execution (a re-run cell keeps its place). */
const cells = new Map<string, string>();
let version = 0;
let cellsText = "";

const host: import("typescript").LanguageServiceHost = {
  getScriptFileNames: () => [preludeFile, cellsFile],
  getScriptVersion: (file) => (file === cellsFile ? String(version) : "1"),
  getScriptSnapshot(file) {
    if (file === cellsFile) return ts.ScriptSnapshot.fromString(cellsText);
    if (file === preludeFile) return ts.ScriptSnapshot.fromString(prelude);
    return existsSync(file) ? ts.ScriptSnapshot.fromString(readFileSync(file, "utf8")) : undefined;
  },
  getCurrentDirectory: () => cwd,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: (file) => file === cellsFile || file === preludeFile || existsSync(file),
  readFile: (file) => (existsSync(file) ? readFileSync(file, "utf8") : undefined),
  readDirectory: ts.sys.readDirectory,
  directoryExists: (dir) => existsSync(dir) && statSync(dir).isDirectory(),
  getDirectories: (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : []),
};
const service = ts.createLanguageService(host, ts.createDocumentRegistry());

function check(batch: CheckRequest[]): CheckResult[] {
  for (const request of batch) cells.set(request.key, request.source);
  // Cells run without an id (each run its own entry) must not grow the checked text forever.
  while (cells.size > MAX_CELLS) cells.delete(cells.keys().next().value as string);
  // One module: every cell in order, separated so that no cell's last line runs into the next one's first.
  const ranges = new Map<string, { start: number; end: number }>();
  let text = "";
  for (const [key, source] of cells) {
    const start = text.length;
    text += source;
    ranges.set(key, { start, end: text.length });
    text += "\n;\n";
  }
  cellsText = `${text}export {};\n`;
  version++;
  const all = [...service.getSyntacticDiagnostics(cellsFile), ...service.getSemanticDiagnostics(cellsFile)];
  const sourceFile = service.getProgram()?.getSourceFile(cellsFile);
  return batch.map((request) => {
    const range = ranges.get(request.key)!;
    const firstLine = sourceFile ? ts.getLineAndCharacterOfPosition(sourceFile, range.start).line : 0;
    const diagnostics: CellDiagnostic[] = [];
    for (const d of all) {
      if (d.start === undefined || d.start < range.start || d.start > range.end || IGNORED_CODES.has(d.code)) continue;
      const pos = sourceFile ? ts.getLineAndCharacterOfPosition(sourceFile, d.start) : { line: 0, character: 0 };
      diagnostics.push({
        line: pos.line - firstLine + 1,
        column: pos.character + 1,
        code: d.code,
        category: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      });
    }
    return { parentId: request.parentId, executionCount: request.executionCount, ...(request.cellId ? { cellId: request.cellId } : {}), diagnostics };
  });
}

// Requests that arrive while a check runs are checked together in the next pass (one program for all of them).
let pending: CheckRequest[] = [];
let scheduled = false;
parentPort!.on("message", (requests: CheckRequest[]) => {
  pending.push(...requests);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (const result of check(batch)) parentPort!.postMessage(result);
  });
});
