import { parse, type Node as AcornNode } from "acorn";
import MagicString from "magic-string";
import { createRequire, SourceMap } from "node:module";
import type * as TS from "typescript";
import {
  ALL_NAMES,
  type AstNode,
  type CellScope,
  collectTargets,
  copiedNames,
  createCellScope,
  localNames,
  publish,
  reload,
  scanCell,
} from "./cell-bindings.js";
import { loadTypeStripper, stripTypes } from "./type-stripper.js";

/**
 * Compiles one notebook cell (TypeScript or JavaScript) into a script for `vm.runInThisContext`.
 *
 * The script is an async arrow function called at once, so top-level `await` works. Top-level declarations are
 * rewritten into assignments to globals (as Node's REPL does for `await`, lib/internal/repl/await.js), so they persist
 * for later cells and a re-run cell may declare the same `const` again; names that no function uses are kept as locals
 * of the cell's function instead, copied to their globals at sync points, so that hot loops run at Node's speed
 * (`kernel/cell-bindings.ts`). `import` becomes a dynamic import through
 * {@link CELL_RUNTIME.importModule}. The value of a last expression statement is returned as `{ value }`.
 *
 * Plain JavaScript cells skip any transform: acorn parses them as they are. TypeScript cells have their types blanked
 * in place (`kernel/type-stripper.ts`, once typescript has loaded in the background), which keeps every position;
 * cells with non-erasable syntax (enum, namespace, ...) go through typescript's `transpileModule`, with a source map so
 * that error positions are mapped back to the cell. The rewrite itself keeps every line where it was. No native
 * compiler (esbuild) runs in the kernel: the .vsix stays one package for every platform.
 */

/** Names of the globals the compiled script calls; the kernel installs them (see `kernel/cell-runtime.ts`). */
export const CELL_RUNTIME = {
  /** `(names: string[]) => void`: defines each missing global as `undefined`, so assignments work in strict code. */
  declare: "__chalknb_declare",
  /** `(specifier: string) => Promise<module namespace>`, resolved from the notebook's folder. */
  importModule: "__chalknb_import",
} as const;

/** A cell that does not parse. `line` is 1-based, `column` 0-based, both in the cell's own source. */
export class CellCompileError extends Error {
  readonly filename: string;
  readonly line: number;
  readonly column: number;
  readonly lineText: string;
  constructor(message: string, filename: string, line: number, column: number, lineText: string) {
    super(message);
    this.name = "SyntaxError";
    this.filename = filename;
    this.line = line;
    this.column = column;
    this.lineText = lineText;
  }
}

export interface CompiledCell {
  /** Script file name, as it appears in stack traces: `cell[3]`. */
  filename: string;
  /** The cell's original source. */
  source: string;
  /** JavaScript for `vm.runInThisContext`; it evaluates to `Promise<{ value: unknown } | undefined>`. */
  code: string;
  /** Top-level names the cell declares (variables, functions, classes, imports). */
  declaredNames: string[];
  /** The declared names kept as locals of the cell's function, copied to their globals at sync points. */
  localNames: string[];
  /** Whether the cell is TypeScript (types stripped in place, or transpiled). */
  typescript: boolean;
  /** Maps a 1-based line/column of `code` to the cell's source; undefined when the position is not in the cell. */
  mapPosition(line: number, column: number): { line: number; column: number } | undefined;
}

const PROLOGUE_OPEN = "(async () => { ";

const ACORN_OPTIONS = {
  ecmaVersion: "latest",
  sourceType: "module",
  allowAwaitOutsideFunction: true,
  allowHashBang: true,
  locations: false,
} as const;

let typescriptModule: Promise<typeof TS> | undefined;

/** typescript is big: loaded in the background (the type stripper starts it), never on the kernel's start path. */
function loadTypeScript(): Promise<typeof TS> {
  typescriptModule ??= loadTypeStripper().then(() => createRequire(import.meta.url)("typescript") as typeof TS);
  return typescriptModule;
}

/** Starts loading typescript ahead of the first TypeScript cell. */
export function warmUpCompiler(): void {
  void loadTypeStripper();
}

/**
 * Compiles a cell. Throws {@link CellCompileError} for a cell that does not parse.
 * @example
 * const cell = await compileCell("const x: number = 1\nx + 1", "cell[1]");
 * const { value } = await vm.runInThisContext(cell.code, { filename: cell.filename });
 */
export async function compileCell(source: string, filename: string, scope: CellScope = kernelScope): Promise<CompiledCell> {
  // Re-running a cell is the common case in a notebook: the same source compiles to the same code, unless a function
  // compiled since names one of the cell's locals (which must then be a global again).
  const { captured } = scope;
  const cached = compileCache.get(source);
  if (cached && !cached.compiled.localNames.some((name) => captured.has(name) || captured.has(ALL_NAMES))) {
    compileCache.delete(source);
    compileCache.set(source, cached);
    remember(scope, cached);
    return { ...cached.compiled, filename };
  }
  const entry = await compileUncached(source, filename, scope);
  remember(scope, entry);
  compileCache.set(source, entry);
  if (compileCache.size > COMPILE_CACHE_SIZE) compileCache.delete(compileCache.keys().next().value as string);
  return entry.compiled;
}

/** Compiled cells kept by source. @default 256 */
const COMPILE_CACHE_SIZE = 256;
const compileCache = new Map<string, { compiled: CompiledCell; closureNames: string[] }>();

/** What this kernel's cells declared and which names their functions use (`kernel/cell-bindings.ts`). */
const kernelScope = createCellScope();

function remember(scope: CellScope, entry: { compiled: CompiledCell; closureNames: string[] }): void {
  for (const name of entry.closureNames) scope.captured.add(name);
  for (const name of entry.compiled.declaredNames) scope.declared.add(name);
}

async function compileUncached(
  source: string,
  filename: string,
  scope: CellScope,
): Promise<{ compiled: CompiledCell; closureNames: string[] }> {
  let js = source;
  let typescript = false;
  let sourceMap: string | undefined;
  let program: AcornProgram;
  try {
    // `f<T>(x)` is a generic call in TypeScript but valid JavaScript comparisons (`f < T > (x)`): a cell with `<`
    // always goes through typescript so it means what TypeScript says.
    if (source.includes("<")) throw new SyntaxError("may hold type arguments");
    program = parse(source, ACORN_OPTIONS) as unknown as AcornProgram;
  } catch {
    typescript = true;
    // In place when typescript is loaded and the cell is erasable: positions stay, no source map.
    const stripped = stripTypes(source);
    if (stripped !== undefined) {
      try {
        program = parse(stripped, ACORN_OPTIONS) as unknown as AcornProgram;
        const rewrite = rewriteTopLevel(stripped, program, scope);
        const compiled: CompiledCell = {
          filename,
          source,
          code: rewrite.code,
          declaredNames: rewrite.declaredNames,
          localNames: rewrite.localNames,
          typescript,
          mapPosition: rewrite.mapToInput,
        };
        return { compiled, closureNames: rewrite.closureNames };
      } catch {
        // Not valid JavaScript once stripped (e.g. a line break left before `=>`): transpiled below.
      }
    }
    const out = transpile(await loadTypeScript(), source, filename);
    js = out.code;
    sourceMap = out.map;
    try {
      program = parse(js, ACORN_OPTIONS) as unknown as AcornProgram;
    } catch (error) {
      const e = error as { message: string; loc?: { line: number; column: number } };
      throw new CellCompileError(e.message.replace(/ \(\d+:\d+\)$/, ""), filename, 1, 0, firstLine(source));
    }
  }
  const rewrite = rewriteTopLevel(js, program, scope);
  const toJs = rewrite.mapToInput;
  let tsMap: SourceMap | undefined;
  const lineCount = source.split("\n").length;
  const compiled: CompiledCell = {
    filename,
    source,
    code: rewrite.code,
    declaredNames: rewrite.declaredNames,
    localNames: rewrite.localNames,
    typescript,
    mapPosition(line, column) {
      const inJs = toJs(line, column);
      if (!inJs) return undefined;
      if (!sourceMap) return inJs.line <= lineCount ? inJs : undefined;
      tsMap ??= new SourceMap(JSON.parse(sourceMap));
      const entry = tsMap.findEntry(inJs.line - 1, inJs.column - 1) as {
        originalLine?: number;
        originalColumn?: number;
      };
      if (entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
      return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    },
  };
  return { compiled, closureNames: rewrite.closureNames };
}

function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return end < 0 ? text : text.slice(0, end);
}

/**
 * A cell with non-erasable TypeScript compiled to JavaScript and a source map back to the cell. Throws
 * {@link CellCompileError} at the first syntax error (transpileModule reports syntax only; types are checked apart).
 */
function transpile(ts: typeof TS, source: string, filename: string): { code: string; map: string } {
  const out = ts.transpileModule(source, {
    fileName: `${filename}.ts`,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.ESNext,
      sourceMap: true,
      // Keep imports that are not used in this cell: later cells use them.
      verbatimModuleSyntax: true,
    },
  });
  const error = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (error) {
    const { line, character } = error.file && error.start !== undefined ? error.file.getLineAndCharacterOfPosition(error.start) : { line: 0, character: 0 };
    const message = ts.flattenDiagnosticMessageText(error.messageText, "\n");
    throw new CellCompileError(message, filename, line + 1, character, source.split("\n")[line] ?? firstLine(source));
  }
  // The map is handed over as data; a sourceMappingURL comment would point at a file that does not exist.
  return { code: out.outputText.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n"), map: out.sourceMapText! };
}

// ---- the rewrite ----------------------------------------------------------------------------------------------

interface Span {
  start: number;
  end: number;
}
interface AcornProgram extends Span {
  body: Statement[];
}
type Statement = Span & { type: string; [key: string]: unknown };
interface Declarator extends Span {
  id: Span & { type: string };
  init: Span | null;
}
interface ImportSpecifier extends Span {
  type: "ImportSpecifier" | "ImportDefaultSpecifier" | "ImportNamespaceSpecifier";
  local: Span & { name: string };
  imported?: Span & { name?: string; value?: string };
}

interface RewriteResult {
  code: string;
  declaredNames: string[];
  localNames: string[];
  /** Names the cell's functions use (see `kernel/cell-bindings.ts`). */
  closureNames: string[];
  mapToInput(line: number, column: number): { line: number; column: number } | undefined;
}

/** Holds an awaited operand, then its value, while the cell's locals are copied to and from their globals. */
const AWAIT_TEMP = "__chalknb_awaited";

/**
 * @internal exported for tests. Rewrites an already-parsed JavaScript program; keeps every line in place.
 * `scope`: what earlier cells declared and which names their functions use.
 */
export function rewriteTopLevel(js: string, program: AcornProgram, scope: CellScope = createCellScope()): RewriteResult {
  const s = new MagicString(js);
  const body = program.body;
  const scan = scanCell(body as unknown as AstNode[]);
  // What each statement declares comes first: which names are locals decides the edits.
  const declared = new Set<string>();
  const functions = new Set<string>();
  for (let i = 0; i < body.length; i++) {
    for (const name of declaredBy(body[i]!, functions)) {
      declared.add(name);
      scan.statements[i]!.writes.add(name);
    }
  }
  const names = [...declared];
  const own = localNames(names, functions, scan, scope.captured);
  const copies = copiedNames(declared, scan, scope);
  const locals = [...own, ...copies];
  const isLocal = new Set(locals);
  const written = new Set(scan.statements.flatMap((statement) => [...statement.writes]));
  // A copy the cell only reads goes back to nowhere: its global may have changed meanwhile.
  const published = [...own, ...copies.filter((name) => written.has(name))];
  let awaitsRewritten = false;

  for (let i = 0; i < body.length; i++) {
    let node = body[i]!;
    const writes = [...scan.statements[i]!.writes].filter((name) => isLocal.has(name));
    // `await x` → `(T = await (T = (x), publish, T), reload, T)`. Before the statement's own edits: where they share a
    // position, an await's text must be innermost.
    for (const expression of locals.length > 0 ? scan.statements[i]!.awaits : []) {
      const operand = expression.argument;
      s.prependRight(expression.start, `(${AWAIT_TEMP} = `);
      if (writes.length > 0) {
        s.prependRight(operand.start, `(${AWAIT_TEMP} = (`);
        s.appendLeft(operand.end, `), ${publish(writes)}, ${AWAIT_TEMP})`);
      }
      s.appendLeft(expression.end, `, ${reload(locals)}, ${AWAIT_TEMP})`);
      awaitsRewritten = true;
    }
    if (node.type === "ExportNamedDeclaration" || node.type === "ExportDefaultDeclaration") {
      const declaration = node.declaration as Statement | null;
      if (declaration && node.type === "ExportNamedDeclaration") {
        s.remove(node.start, declaration.start);
        node = declaration;
      } else if (declaration && node.type === "ExportDefaultDeclaration") {
        s.remove(node.start, declaration.start);
        if (declaration.type.endsWith("Declaration") && !(declaration as { id?: unknown }).id) {
          s.prependRight(declaration.start, "void ");
          continue;
        }
        node = declaration;
      } else {
        blank(s, js, node);
        continue;
      }
    } else if (node.type === "ExportAllDeclaration") {
      blank(s, js, node);
      continue;
    }

    switch (node.type) {
      case "VariableDeclaration":
        rewriteVariables(s, node);
        break;
      case "ClassDeclaration": {
        const name = (node.id as { name: string }).name;
        s.prependRight(node.start, `;${name} = `);
        s.appendLeft(node.end, ";");
        break;
      }
      case "ImportDeclaration":
        rewriteImport(s, js, node);
        break;
      case "ExpressionStatement":
        if (i === body.length - 1 && !(node as { directive?: string }).directive) {
          const expression = node.expression as Span;
          s.prependRight(expression.start, "return { value: (");
          s.appendLeft(expression.end, ") };");
        }
        break;
      default:
        break;
    }
    // After the statement's own edits. The last statement may be the returned value: `finally` publishes after it.
    if (writes.length > 0 && i < body.length - 1) s.appendLeft(body[i]!.end, `;${publish(writes)};`);
  }

  let prologue = PROLOGUE_OPEN;
  if (names.length > 0) prologue += `${CELL_RUNTIME.declare}(${JSON.stringify(names)}); `;
  if (locals.length > 0) {
    const bindings = locals.map((name) => `${name} = globalThis.${name}`);
    if (awaitsRewritten) bindings.push(AWAIT_TEMP);
    // Each local starts from its global, as the global itself would: a re-run cell reads the value it left.
    prologue += `let ${bindings.join(", ")}; try { `;
  }
  // Inside the `try` block: function declarations in a block are initialised at the block's start.
  for (const name of functions) prologue += `globalThis.${name} = ${name}; `;
  s.prepend(prologue);
  s.append(locals.length > 0 ? `\n} finally { ${published.length > 0 ? `${publish(published)}; ` : ""}} })()` : "\n})()");

  const code = s.toString();
  const inputLines = countNewlines(js, 0, js.length) + 1;
  let map: SourceMap | undefined;
  return {
    code,
    declaredNames: names,
    localNames: locals,
    // After an eval, any function may name anything.
    closureNames: scan.usesEval ? [ALL_NAMES] : [...scan.closureNames],
    mapToInput(line, column) {
      // The last line is the wrapper's `})()`: not the cell's.
      if (line > inputLines) return undefined;
      map ??= new SourceMap(JSON.parse(s.generateMap({ hires: true, includeContent: false }).toString()));
      const entry = map.findEntry(line - 1, Math.max(0, column - 1)) as {
        originalLine?: number;
        originalColumn?: number;
      };
      if (entry.originalLine === undefined || entry.originalColumn === undefined) {
        // Positions in the prologue: the line is still right.
        return line === 1 ? { line: 1, column: 1 } : undefined;
      }
      return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    },
  };
}

/** The names a top-level statement declares; function declarations are also added to `functions`. */
function declaredBy(statement: Statement, functions: Set<string>): Set<string> {
  const names = new Set<string>();
  let node: Statement | null = statement;
  if (node.type === "ExportNamedDeclaration" || node.type === "ExportDefaultDeclaration") {
    node = node.declaration as Statement | null;
  }
  if (!node) return names;
  switch (node.type) {
    case "VariableDeclaration":
      for (const d of node.declarations as Declarator[]) collectTargets(d.id as AstNode, names);
      break;
    case "FunctionDeclaration":
    case "ClassDeclaration": {
      const name = (node.id as { name: string } | null)?.name;
      if (name === undefined) break;
      names.add(name);
      if (node.type === "FunctionDeclaration") functions.add(name);
      break;
    }
    case "ImportDeclaration":
      for (const sp of node.specifiers as ImportSpecifier[]) names.add(sp.local.name);
      break;
    default:
      break;
  }
  return names;
}

/** Replaces a statement with `;`, keeping its line breaks so later lines stay where they were. */
function blank(s: MagicString, js: string, node: Span): void {
  const newlines = countNewlines(js, node.start, node.end);
  s.overwrite(node.start, node.end, ";" + "\n".repeat(newlines));
}

function countNewlines(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function rewriteVariables(s: MagicString, node: Statement): void {
  const kind = node.kind as string;
  const declarators = node.declarations as Declarator[];
  const kept = kind === "var" ? declarators.filter((d) => d.init) : declarators;
  if (kept.length === 0) {
    s.overwrite(node.start, declarators[0]!.start, ";void 0");
    for (const d of declarators) s.remove(d.start, d.end);
    removeCommas(s, declarators);
    return;
  }
  s.overwrite(node.start, declarators[0]!.start, ";(");
  if (kept.length !== declarators.length) {
    // `var a, b = 1`: drop declarators without an initialiser (re-declaring a var does not reset it).
    for (const d of declarators) if (!d.init) s.overwrite(d.start, d.end, "void 0");
  }
  for (const d of kept) if (!d.init) s.appendLeft(d.id.end, " = undefined");
  s.appendLeft(declarators[declarators.length - 1]!.end, ")");
}

function removeCommas(s: MagicString, declarators: Declarator[]): void {
  for (let i = 1; i < declarators.length; i++) s.remove(declarators[i - 1]!.end, declarators[i]!.start);
}

function rewriteImport(s: MagicString, js: string, node: Statement): void {
  const specifiers = node.specifiers as ImportSpecifier[];
  const source = js.slice((node.source as Span).start, (node.source as Span).end);
  const attributes = node.attributes as Span[] | undefined;
  const options =
    attributes && attributes.length > 0
      ? `, { with: { ${attributes.map((a) => js.slice(a.start, a.end)).join(", ")} } }`
      : "";
  const load = `await ${CELL_RUNTIME.importModule}(${source}${options})`;
  const namespace = specifiers.find((sp) => sp.type === "ImportNamespaceSpecifier");
  const properties: string[] = [];
  for (const sp of specifiers) {
    if (sp.type === "ImportDefaultSpecifier") properties.push(`default: ${sp.local.name}`);
    else if (sp.type === "ImportSpecifier") {
      const imported = sp.imported!;
      const key = imported.name ?? JSON.stringify(imported.value);
      properties.push(key === sp.local.name ? key : `${key}: ${sp.local.name}`);
    }
  }
  let text: string;
  if (namespace) {
    text = `;${namespace.local.name} = ${load};`;
    if (properties.length > 0) text += ` ({ ${properties.join(", ")} } = ${namespace.local.name});`;
  } else if (properties.length > 0) {
    text = `;({ ${properties.join(", ")} } = ${load});`;
  } else {
    text = `;${load};`;
  }
  s.overwrite(node.start, node.end, text + "\n".repeat(countNewlines(js, node.start, node.end)));
}

/** @internal */
export type { AcornNode };
