import { parse, type Node as AcornNode } from "acorn";
import MagicString from "magic-string";
import { createRequire, SourceMap } from "node:module";
import type * as TS from "typescript";
import { loadTypeStripper, stripTypes } from "./type-stripper.js";

/**
 * Compiles one notebook cell (TypeScript or JavaScript) into a script for `vm.runInThisContext`.
 *
 * The script is an async arrow function called at once, so top-level `await` works. Top-level declarations are
 * rewritten into assignments to globals (as Node's REPL does for `await`, lib/internal/repl/await.js), so they persist
 * for later cells and a re-run cell may declare the same `const` again. `import` becomes a dynamic import through
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
export async function compileCell(source: string, filename: string): Promise<CompiledCell> {
  // Re-running a cell is the common case in a notebook: the same source compiles to the same code.
  const cached = compileCache.get(source);
  if (cached) {
    compileCache.delete(source);
    compileCache.set(source, cached);
    return { ...cached, filename };
  }
  const compiled = await compileUncached(source, filename);
  compileCache.set(source, compiled);
  if (compileCache.size > COMPILE_CACHE_SIZE) compileCache.delete(compileCache.keys().next().value as string);
  return compiled;
}

/** Compiled cells kept by source. @default 256 */
const COMPILE_CACHE_SIZE = 256;
const compileCache = new Map<string, CompiledCell>();

async function compileUncached(source: string, filename: string): Promise<CompiledCell> {
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
        const rewrite = rewriteTopLevel(stripped, program);
        return {
          filename,
          source,
          code: rewrite.code,
          declaredNames: rewrite.declaredNames,
          typescript,
          mapPosition: rewrite.mapToInput,
        };
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
  const rewrite = rewriteTopLevel(js, program);
  const toJs = rewrite.mapToInput;
  let tsMap: SourceMap | undefined;
  const lineCount = source.split("\n").length;
  return {
    filename,
    source,
    code: rewrite.code,
    declaredNames: rewrite.declaredNames,
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
  mapToInput(line: number, column: number): { line: number; column: number } | undefined;
}

/** @internal exported for tests. Rewrites an already-parsed JavaScript program; keeps every line in place. */
export function rewriteTopLevel(js: string, program: AcornProgram): RewriteResult {
  const s = new MagicString(js);
  const declared = new Set<string>();
  const hoisted: string[] = [];
  const body = program.body;

  for (let i = 0; i < body.length; i++) {
    let node = body[i]!;
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
        rewriteVariables(s, node, declared);
        break;
      case "FunctionDeclaration": {
        const name = (node.id as { name: string }).name;
        declared.add(name);
        hoisted.push(name);
        break;
      }
      case "ClassDeclaration": {
        const name = (node.id as { name: string }).name;
        declared.add(name);
        s.prependRight(node.start, `;${name} = `);
        s.appendLeft(node.end, ";");
        break;
      }
      case "ImportDeclaration":
        rewriteImport(s, js, node, declared);
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
  }

  const names = [...declared];
  let prologue = PROLOGUE_OPEN;
  if (names.length > 0) prologue += `${CELL_RUNTIME.declare}(${JSON.stringify(names)}); `;
  for (const name of hoisted) prologue += `globalThis.${name} = ${name}; `;
  s.prepend(prologue);
  s.append("\n})()");

  const code = s.toString();
  const inputLines = countNewlines(js, 0, js.length) + 1;
  let map: SourceMap | undefined;
  return {
    code,
    declaredNames: names,
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

function rewriteVariables(s: MagicString, node: Statement, declared: Set<string>): void {
  const kind = node.kind as string;
  const declarators = node.declarations as Declarator[];
  for (const d of declarators) collectPatternNames(d.id, declared);
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

function collectPatternNames(pattern: unknown, into: Set<string>): void {
  const p = pattern as { type: string; [key: string]: unknown } | null;
  if (!p) return;
  switch (p.type) {
    case "Identifier":
      into.add(p.name as string);
      break;
    case "ObjectPattern":
      for (const prop of p.properties as { type: string; value?: unknown; argument?: unknown }[]) {
        collectPatternNames(prop.type === "RestElement" ? prop.argument : prop.value, into);
      }
      break;
    case "ArrayPattern":
      for (const element of p.elements as unknown[]) collectPatternNames(element, into);
      break;
    case "RestElement":
      collectPatternNames(p.argument, into);
      break;
    case "AssignmentPattern":
      collectPatternNames(p.left, into);
      break;
    default:
      break;
  }
}

function rewriteImport(s: MagicString, js: string, node: Statement, declared: Set<string>): void {
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
    declared.add(sp.local.name);
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
