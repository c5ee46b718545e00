/**
 * Completions in chalknb cells from the running kernel: names in scope (variables declared by earlier cells,
 * globals such as `Remote`, members of live objects). Only once the notebook's kernel has started: completing never
 * starts a kernel.
 */
import * as vscode from "vscode";
import { NOTEBOOK_TYPE } from "./controller.js";
import type { KernelManager } from "./kernel-session.js";

export function registerCompletions(kernels: KernelManager): vscode.Disposable {
  return vscode.languages.registerCompletionItemProvider(
    { notebookType: NOTEBOOK_TYPE, language: "typescript" },
    {
      async provideCompletionItems(document, position) {
        const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === document));
        const session = kernels.find(notebook);
        if (!session) return [];
        const code = document.getText();
        const result = await session.complete(code, document.offsetAt(position));
        if (!result || result.matches.length === 0) return [];
        const range = new vscode.Range(document.positionAt(result.cursorStart), document.positionAt(result.cursorEnd));
        return result.matches.map((m) => {
          const item = new vscode.CompletionItem(m, vscode.CompletionItemKind.Variable);
          item.range = range;
          item.detail = "chalknb kernel";
          return item;
        });
      },
    },
    ".",
  );
}
