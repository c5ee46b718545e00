import { createRequire } from "node:module";
import type * as TS from "typescript";

/**
 * Strips TypeScript's erasable syntax in place — every type annotation, type declaration, `as`, `!`, type arguments,
 * `implements`, member modifiers are overwritten with spaces — so the JavaScript left behind has every token at the
 * position it had in the cell: no source map is needed to report errors at the cell's lines and columns (the idea of
 * Node's own amaro stripper and of ts-blank-space). It runs in-process on the typescript@5 parser: no round trip to
 * esbuild's service, which dominates a TypeScript cell's latency.
 *
 * Syntax that is not erasable (enum, namespace, parameter properties, `import x = require()`, decorators, `<T>x`
 * assertions) makes {@link stripTypes} return undefined: the caller then compiles the cell with esbuild.
 * @internal
 */

type Ts = typeof TS;
let ts: Ts | undefined;
let loading: Promise<void> | undefined;

/** Loads typescript in the background (it is big: not on the kernel's start path). */
export function loadTypeStripper(): Promise<void> {
  loading ??= new Promise<void>((resolve) => {
    setImmediate(() => {
      try {
        ts = createRequire(import.meta.url)("typescript") as Ts;
      } catch {
        // Without typescript every TypeScript cell goes through esbuild.
      }
      resolve();
    });
  });
  return loading;
}

/** Whether {@link stripTypes} can run now. */
export function typeStripperReady(): boolean {
  return ts !== undefined;
}

class NotErasable extends Error {}

/** The cell with its types blanked out, same length and line breaks; undefined when it is not erasable or does not parse. */
export function stripTypes(source: string): string | undefined {
  if (!ts) return undefined;
  const t = ts;
  const sf = t.createSourceFile("cell.ts", source, t.ScriptTarget.ESNext, true, t.ScriptKind.TS);
  if ((sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length > 0) return undefined;
  const out = source.split("");
  const blank = (start: number, end: number, statement = false) => {
    for (let i = start; i < end; i++) if (out[i] !== "\n" && out[i] !== "\r") out[i] = " ";
    // An erased statement leaves `;` so the lines around it cannot join (ASI), e.g. `a\ntype T = 1\n(b)`.
    if (statement && start < end) out[start] = ";";
  };
  const blankNode = (node: TS.Node, statement = false) => blank(node.getStart(sf), node.end, statement);
  /** Blanks `<...>` around a type parameter / argument list. */
  const blankAngles = (list: TS.NodeArray<TS.Node> | undefined) => {
    if (!list) return;
    const open = source.lastIndexOf("<", list.pos);
    const close = source.indexOf(">", list.end);
    if (open < 0 || close < 0) throw new NotErasable();
    blank(open, close + 1);
  };
  /** Blanks `: Type` (the colon found just before the type). */
  const blankAnnotation = (type: TS.TypeNode | undefined) => {
    if (!type) return;
    let i = type.getStart(sf) - 1;
    while (i >= 0 && /\s/.test(source[i]!)) i--;
    if (source[i] !== ":") throw new NotErasable();
    blank(i, type.end);
  };
  const blankModifiers = (node: TS.Node) => {
    for (const m of (node as { modifiers?: TS.NodeArray<TS.ModifierLike> }).modifiers ?? []) {
      switch (m.kind) {
        case t.SyntaxKind.PublicKeyword:
        case t.SyntaxKind.PrivateKeyword:
        case t.SyntaxKind.ProtectedKeyword:
        case t.SyntaxKind.ReadonlyKeyword:
        case t.SyntaxKind.OverrideKeyword:
        case t.SyntaxKind.AbstractKeyword:
          blankNode(m);
          break;
        case t.SyntaxKind.Decorator:
          throw new NotErasable();
        default:
          break;
      }
    }
  };
  const has = (node: TS.Node, kind: TS.SyntaxKind) =>
    ((node as { modifiers?: TS.NodeArray<TS.ModifierLike> }).modifiers ?? []).some((m) => m.kind === kind);
  /** Blanks a list element and the comma after it. */
  const blankListItem = (node: TS.Node) => {
    let end = node.end;
    let i = end;
    while (i < source.length && /\s/.test(source[i]!)) i++;
    if (source[i] === ",") end = i + 1;
    blank(node.getStart(sf), end);
  };

  const visit = (node: TS.Node): void => {
    switch (node.kind) {
      case t.SyntaxKind.InterfaceDeclaration:
      case t.SyntaxKind.TypeAliasDeclaration:
        blankNode(node, true);
        return;
      case t.SyntaxKind.EnumDeclaration:
      case t.SyntaxKind.ModuleDeclaration:
        if (has(node, t.SyntaxKind.DeclareKeyword)) blankNode(node, true);
        else throw new NotErasable();
        return;
      case t.SyntaxKind.ImportEqualsDeclaration:
      case t.SyntaxKind.NamespaceExportDeclaration:
      case t.SyntaxKind.TypeAssertionExpression:
      case t.SyntaxKind.Decorator:
        throw new NotErasable();
      case t.SyntaxKind.ExportAssignment:
        if ((node as TS.ExportAssignment).isExportEquals) throw new NotErasable();
        break;
      case t.SyntaxKind.ImportDeclaration: {
        const clause = (node as TS.ImportDeclaration).importClause;
        if (clause?.isTypeOnly) {
          blankNode(node, true);
          return;
        }
        const bindings = clause?.namedBindings;
        if (bindings && t.isNamedImports(bindings)) for (const el of bindings.elements) if (el.isTypeOnly) blankListItem(el);
        return;
      }
      case t.SyntaxKind.ExportDeclaration: {
        const decl = node as TS.ExportDeclaration;
        if (decl.isTypeOnly) {
          blankNode(node, true);
          return;
        }
        if (decl.exportClause && t.isNamedExports(decl.exportClause)) {
          for (const el of decl.exportClause.elements) if (el.isTypeOnly) blankListItem(el);
        }
        return;
      }
      case t.SyntaxKind.VariableStatement:
      case t.SyntaxKind.ClassDeclaration:
      case t.SyntaxKind.FunctionDeclaration:
        if (has(node, t.SyntaxKind.DeclareKeyword)) {
          blankNode(node, true);
          return;
        }
        if (t.isFunctionDeclaration(node) && !node.body) {
          blankNode(node, true); // an overload signature
          return;
        }
        break;
      case t.SyntaxKind.AsExpression:
      case t.SyntaxKind.SatisfiesExpression: {
        const e = node as TS.AsExpression;
        visit(e.expression);
        blank(e.expression.end, e.end);
        return;
      }
      case t.SyntaxKind.NonNullExpression: {
        const e = node as TS.NonNullExpression;
        visit(e.expression);
        blank(e.end - 1, e.end);
        return;
      }
      case t.SyntaxKind.HeritageClause:
        if ((node as TS.HeritageClause).token === t.SyntaxKind.ImplementsKeyword) {
          blankNode(node);
          return;
        }
        break;
      case t.SyntaxKind.IndexSignature:
        blankNode(node, true);
        return;
      case t.SyntaxKind.PropertyDeclaration:
      case t.SyntaxKind.MethodDeclaration:
      case t.SyntaxKind.GetAccessor:
      case t.SyntaxKind.SetAccessor:
        if (has(node, t.SyntaxKind.DeclareKeyword) || has(node, t.SyntaxKind.AbstractKeyword) || (t.isMethodDeclaration(node) && !node.body)) {
          if (t.isClassLike(node.parent)) {
            blankNode(node, true);
            return;
          }
        }
        break;
      case t.SyntaxKind.Constructor:
        if (!(node as TS.ConstructorDeclaration).body) {
          blankNode(node, true);
          return;
        }
        for (const p of (node as TS.ConstructorDeclaration).parameters) {
          if (t.getModifiers(p)?.length) throw new NotErasable(); // parameter properties emit code
        }
        break;
      case t.SyntaxKind.Parameter: {
        const p = node as TS.ParameterDeclaration;
        if (t.isIdentifier(p.name) && p.name.text === "this") {
          blankListItem(p);
          return;
        }
        break;
      }
      default:
        break;
    }
    if (t.isTypeNode(node) && !t.isExpressionWithTypeArguments(node)) return; // types are blanked by their owner
    blankModifiers(node);
    const n = node as {
      type?: TS.TypeNode;
      typeParameters?: TS.NodeArray<TS.Node>;
      typeArguments?: TS.NodeArray<TS.Node>;
      questionToken?: TS.Node;
      exclamationToken?: TS.Node;
    };
    if (n.typeParameters) blankAngles(n.typeParameters);
    if (n.typeArguments) blankAngles(n.typeArguments);
    if (n.type && !t.isTypeNode(node) && node.kind !== t.SyntaxKind.TypePredicate) blankAnnotation(n.type);
    if (n.exclamationToken && (t.isVariableDeclaration(node) || t.isPropertyDeclaration(node))) blankNode(n.exclamationToken);
    if (n.questionToken && (t.isParameter(node) || t.isPropertyDeclaration(node) || t.isMethodDeclaration(node))) {
      blankNode(n.questionToken);
    }
    t.forEachChild(node, visit);
  };

  try {
    t.forEachChild(sf, visit);
  } catch (error) {
    if (error instanceof NotErasable) return undefined;
    throw error;
  }
  return out.join("");
}
