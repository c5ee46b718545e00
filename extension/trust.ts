/**
 * Restricted Mode: no cell runs in an untrusted workspace (VS Code blocks execution, and the controller refuses as
 * well). VS Code does not say why on its own when the run is refused, so the user is told here, once per session,
 * when a chalknb notebook opens untrusted.
 */
import * as vscode from "vscode";
import { NOTEBOOK_TYPE, UNTRUSTED_MESSAGE } from "./controller.js";

export class TrustNotice implements vscode.Disposable {
  #shown = false;
  readonly #disposables: vscode.Disposable[] = [];

  constructor() {
    this.#disposables.push(vscode.workspace.onDidOpenNotebookDocument((nb) => this.#check(nb)));
    for (const nb of vscode.workspace.notebookDocuments) this.#check(nb);
  }

  #check(nb: vscode.NotebookDocument): void {
    if (this.#shown || vscode.workspace.isTrusted || nb.notebookType !== NOTEBOOK_TYPE) return;
    this.#shown = true;
    void vscode.window.showWarningMessage(`chalknb: ${UNTRUSTED_MESSAGE}`, "Manage Workspace Trust").then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
    });
  }

  dispose(): void {
    for (const d of this.#disposables) d.dispose();
  }
}
