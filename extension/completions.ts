/**
 * Completions and hovers in chalknb cells from the running kernel: names in scope (variables declared by earlier
 * cells, globals such as `Remote`, members of live objects), each with its kind and signature, and the live type and
 * value of the name under the mouse. Only once the notebook's kernel has started: completing never starts a kernel.
 */
import * as vscode from "vscode";
import type { CompletionItemInfo } from "../kernel/messages.js";
import { NOTEBOOK_TYPE } from "./controller.js";
import type { KernelManager, KernelSession } from "./kernel-session.js";

const KINDS: Record<CompletionItemInfo["type"], vscode.CompletionItemKind> = {
  function: vscode.CompletionItemKind.Function,
  method: vscode.CompletionItemKind.Method,
  class: vscode.CompletionItemKind.Class,
  property: vscode.CompletionItemKind.Property,
  variable: vscode.CompletionItemKind.Variable,
  keyword: vscode.CompletionItemKind.Keyword,
};

export function registerCompletions(kernels: KernelManager, log: vscode.LogOutputChannel): vscode.Disposable {
  const selector = { notebookType: NOTEBOOK_TYPE, language: "typescript" };
  const sessionOf = (document: vscode.TextDocument): KernelSession | undefined =>
    kernels.find(vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === document)));
  // The suggest widget waits for every provider, VS Code's TypeScript service too, whose first answer for a notebook
  // loads its lib files (seconds on a busy machine): ask it once when a notebook opens, so the user's first "." is fast.
  const warmed = new WeakSet<vscode.NotebookDocument>();
  const warm = (nb: vscode.NotebookDocument): void => {
    const cell = nb.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code);
    if (nb.notebookType !== NOTEBOOK_TYPE || !cell || warmed.has(nb)) return;
    warmed.add(nb);
    const t0 = Date.now();
    void vscode.commands.executeCommand("vscode.executeCompletionItemProvider", cell.document.uri, new vscode.Position(0, 0))
      .then(() => log.info(`completions warmed up in ${Date.now() - t0} ms`), () => undefined);
  };
  vscode.workspace.notebookDocuments.forEach(warm);
  return vscode.Disposable.from(
    vscode.workspace.onDidOpenNotebookDocument(warm),
    vscode.languages.registerCompletionItemProvider(selector, {
      async provideCompletionItems(document, position) {
        const session = sessionOf(document);
        if (!session) return [];
        const t0 = Date.now();
        const result = await session.complete(document.getText(), document.offsetAt(position));
        const ms = Date.now() - t0;
        (ms > 200 ? log.info : log.debug).call(log, `completions: ${result?.matches.length ?? 0} from the kernel in ${ms} ms`);
        if (!result || result.matches.length === 0) return [];
        const range = new vscode.Range(document.positionAt(result.cursorStart), document.positionAt(result.cursorEnd));
        const seen = new Set<string>();
        const items: vscode.CompletionItem[] = [];
        result.matches.forEach((match, i) => {
          if (seen.has(match)) return;
          seen.add(match);
          const info = result.items?.[i];
          const item = new vscode.CompletionItem(match, info ? KINDS[info.type] : vscode.CompletionItemKind.Variable);
          item.range = range;
          item.detail = info?.signature ?? "chalknb kernel";
          // Live names first: they exist right now, unlike what a per-cell language service guesses.
          item.sortText = `0${match}`;
          items.push(item);
        });
        return items;
      },
    }, "."),
    vscode.languages.registerHoverProvider(selector, {
      async provideHover(document, position) {
        const session = sessionOf(document);
        const word = document.getWordRangeAtPosition(position, /[A-Za-z_$][\w$]*/);
        if (!session || !word) return undefined;
        const text = await session.inspect(document.getText(), document.offsetAt(word.end));
        if (!text) return undefined;
        return new vscode.Hover(new vscode.MarkdownString().appendCodeblock(text, "text"), word);
      },
    }),
  );
}
