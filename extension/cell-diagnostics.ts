/**
 * Type errors found by the kernel's checker (off the hot path, after a cell ran), shown on the cells as diagnostics.
 * The kernel labels each finding with the cell's id, which the controller sets to the cell document's URI.
 */
import * as vscode from "vscode";
import type { CellDiagnostic } from "../kernel/messages.js";

export class CellDiagnostics implements vscode.Disposable {
  readonly #collection = vscode.languages.createDiagnosticCollection("chalknb");
  // A deleted cell's findings go with it.
  readonly #removed = vscode.workspace.onDidChangeNotebookDocument((e) => {
    for (const change of e.contentChanges) for (const cell of change.removedCells) this.#collection.delete(cell.document.uri);
  });

  /** Replaces a cell's diagnostics (an empty list clears them: the cell type-checks now). */
  set(cellUri: string, findings: readonly CellDiagnostic[]): void {
    const uri = vscode.Uri.parse(cellUri);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === cellUri);
    this.#collection.set(uri, findings.map((finding) => {
      const position = new vscode.Position(Math.max(0, finding.line - 1), Math.max(0, finding.column - 1));
      const range = document?.getWordRangeAtPosition(position) ?? new vscode.Range(position, position.translate(0, 1));
      const severity = finding.category === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      const diagnostic = new vscode.Diagnostic(range, finding.message, severity);
      diagnostic.source = "chalknb";
      diagnostic.code = finding.code;
      return diagnostic;
    }));
  }

  /** Drops the diagnostics of a notebook's cells (its kernel restarted or it closed). */
  clear(notebook: vscode.NotebookDocument): void {
    for (const cell of notebook.getCells()) this.#collection.delete(cell.document.uri);
  }

  dispose(): void {
    this.#removed.dispose();
    this.#collection.dispose();
  }
}
