/**
 * Which of a cell's top-level names can live as plain local variables of the cell's function (issue 13 item 5).
 *
 * Declarations persist across cells as properties of the global object. To V8 such a property is a property cell, and
 * a closure's variable (what an accessor would capture) a context slot: a store of a double into either boxes it, so
 * a hot loop over a cell's `let x` ran 2× (small integers) to 20× (doubles) slower than in a Node module. Only a local
 * that no function captures stays in a register. So a declared name that no function of this cell or of any earlier
 * cell names is kept local and copied to its global at sync points: after each top-level statement that writes it,
 * before each `await` in top-level code, and when the cell ends (`finally`, thrown errors included); after each
 * `await`, where other code may have run, every local is read again from its global. A name an earlier cell declared
 * is read into a local the same way when this cell's top-level code uses it (a loop adding to an earlier cell's
 * `let total`), and copied back only if this cell writes it.
 *
 * Nothing else can tell: cells run one at a time, and a function that could read or write the global while the cell
 * runs names it, which keeps the name global. What is left: code reading or writing globals by a computed name
 * (`new Function`, `globalThis[name]`) between two sync points sees or is overwritten by the values of the last one,
 * and a synchronous statement stopped by SIGINT (`breakOnSigint` terminates; no `finally` runs) leaves the names it
 * writes as they were before it. Figures: `bench/cell-hot-loop.ts`.
 */

export interface Span {
  start: number;
  end: number;
}

/** An acorn (ESTree) node. */
export type AstNode = Span & { type: string; [key: string]: unknown };

export interface StatementScan {
  /** Names the statement's own code assigns (functions inside it not counted). */
  writes: Set<string>;
  /** The `await`s in the statement's own code, where the cell may be suspended; inner ones before outer ones. */
  awaits: Array<Span & { argument: Span }>;
}

export interface CellScan {
  statements: StatementScan[];
  /** Names referred to anywhere inside functions and class bodies (no scope analysis: a superset). */
  closureNames: Set<string>;
  /** The cell names `eval`: a direct eval sees the cell's locals, and the code it runs may name anything. */
  usesEval: boolean;
  /** Names a `var` declares inside a top-level block or loop: already a variable of the cell's function. */
  blockVars: Set<string>;
  /** Names the top-level code refers to (functions inside it not counted). */
  topLevelNames: Set<string>;
}

/** In a set of captured names: every name (a cell that used `eval`). Not an identifier, so no name collides. */
export const ALL_NAMES = "*";

/** What the cells compiled so far tell the compiler about the next: one per kernel process, growing. */
export interface CellScope {
  /** Names that functions of compiled cells use: those stay globals. {@link ALL_NAMES} once a cell used eval. */
  readonly captured: Set<string>;
  /** Names that compiled cells declared. */
  readonly declared: Set<string>;
}

export function createCellScope(): CellScope {
  return { captured: new Set(), declared: new Set() };
}

const NESTED_SCOPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression", "ClassBody"]);
const KEYED = new Set(["Property", "MethodDefinition", "PropertyDefinition"]);

/** Scans a cell's top-level statements for their writes and awaits, and the names its functions use. */
export function scanCell(statements: readonly AstNode[]): CellScan {
  const cell: CellScan = { statements: [], closureNames: new Set(), usesEval: false, blockVars: new Set(), topLevelNames: new Set() };
  for (const statement of statements) {
    const scan: StatementScan = { writes: new Set(), awaits: [] };
    // The statement's own declaration (`var a`, `export var a`) is the compiler's to rewrite; any other is in a block.
    const own = (statement.type === "ExportNamedDeclaration" ? statement.declaration : statement) as AstNode | null;
    visit(statement, false, scan, cell, own);
    cell.statements.push(scan);
  }
  return cell;
}

function visit(node: AstNode, inFunction: boolean, scan: StatementScan, cell: CellScan, own: AstNode | null): void {
  const nested = inFunction || NESTED_SCOPES.has(node.type);
  switch (node.type) {
    case "Identifier":
      if (node.name === "eval") cell.usesEval = true;
      (nested ? cell.closureNames : cell.topLevelNames).add(node.name as string);
      return;
    case "AssignmentExpression":
      if (!nested) collectTargets(node.left as AstNode, scan.writes);
      break;
    case "UpdateExpression":
      if (!nested) collectTargets(node.argument as AstNode, scan.writes);
      break;
    case "ForInStatement":
    case "ForOfStatement":
      // `for (x of xs)` writes x; `for (const x of xs)` declares a loop variable.
      if (!nested && (node.left as AstNode).type !== "VariableDeclaration") collectTargets(node.left as AstNode, scan.writes);
      break;
    case "VariableDeclaration":
      if (!nested && node.kind === "var" && node !== own) {
        for (const d of node.declarations as AstNode[]) collectTargets(d.id as AstNode, cell.blockVars);
      }
      break;
    default:
      break;
  }
  for (const key in node) {
    // Labels, `a.b`'s `b` and `{ b: 1 }`'s `b` are not references to a binding.
    if (key === "label" || (key === "property" && node.type === "MemberExpression" && !node.computed)) continue;
    if (key === "key" && KEYED.has(node.type) && !node.computed) continue;
    const child = node[key];
    if (Array.isArray(child)) {
      for (const c of child) if (isNode(c)) visit(c, nested, scan, cell, own);
    } else if (isNode(child)) {
      visit(child, nested, scan, cell, own);
    }
  }
  // After its operand's: the compiler's edits of nested awaits then nest the right way round.
  if (node.type === "AwaitExpression" && !nested) scan.awaits.push(node as AstNode & { argument: Span });
}

function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** The names a declaration pattern or an assignment target binds (`a`, `{ b, c: [d] }`, `...e`, `f = 1`). */
export function collectTargets(pattern: AstNode | null | undefined, into: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      into.add(pattern.name as string);
      break;
    case "ObjectPattern":
      for (const prop of pattern.properties as AstNode[]) {
        collectTargets((prop.type === "RestElement" ? prop.argument : prop.value) as AstNode, into);
      }
      break;
    case "ArrayPattern":
      for (const element of pattern.elements as Array<AstNode | null>) collectTargets(element, into);
      break;
    case "RestElement":
      collectTargets(pattern.argument as AstNode, into);
      break;
    case "AssignmentPattern":
      collectTargets(pattern.left as AstNode, into);
      break;
    default:
      // `a.b = 1`: a property, not a binding.
      break;
  }
}

/**
 * The declared names that can be locals: not function declarations (already locals, published at the start), not
 * named by any function of this cell or of an earlier one (`captured`), not declared again by a `var` in a block (a
 * second declaration in the function's scope), not the names the compiled code itself uses.
 */
export function localNames(
  declared: readonly string[],
  functions: ReadonlySet<string>,
  scan: CellScan,
  captured: ReadonlySet<string>,
): string[] {
  if (scan.usesEval || captured.has(ALL_NAMES)) return [];
  return declared.filter(
    (name) =>
      !functions.has(name) && !scan.closureNames.has(name) && !scan.blockVars.has(name) && !captured.has(name)
      && name !== "globalThis" && !name.startsWith("__chalknb"),
  );
}

/** Names that earlier cells declared and this cell's top-level code uses, under the same rules as {@link localNames}. */
export function copiedNames(declaredHere: ReadonlySet<string>, scan: CellScan, scope: CellScope): string[] {
  const earlier = [...scan.topLevelNames].filter((name) => scope.declared.has(name) && !declaredHere.has(name));
  return localNames(earlier, declaredHere, scan, scope.captured);
}

/** `globalThis.a = a, globalThis.b = b`: one expression that copies locals to their globals. */
export function publish(names: Iterable<string>): string {
  return [...names].map((name) => `globalThis.${name} = ${name}`).join(", ");
}

/** `a = globalThis.a, b = globalThis.b`: one expression that reads locals again from their globals. */
export function reload(names: Iterable<string>): string {
  return [...names].map((name) => `${name} = globalThis.${name}`).join(", ");
}
