/** The extension's commands. Each takes optional arguments so tests (and other extensions) can skip the prompts. */
import * as vscode from "vscode";
import { toIpynb } from "../kernel/ipynb-export.js";
import { NOTEBOOK_TYPE } from "./controller.js";
import { DashboardPanel } from "./dashboard-panel.js";
import type { KernelManager } from "./kernel-session.js";
import { fromNotebookData } from "./serializer.js";
import { SAVE_FULL_OUTPUTS_KEY, savesFullOutputs } from "../kernel/saved-outputs.js";
import { TOKEN_KEY } from "./settings.js";

const STARTER = [
  "const remote = new Remote();",
  'const embed = remote.function("embed", { outputType: new List(new Field("item", new Float32())) });',
  "const texts = Array.from({ length: 100 }, (_, i) => `Document number ${i}: some text to embed.`);",
  "const result = await embed.chunkedCall(tableFromArrays({ text: texts }), { chunkSize: 25, concurrentChunks: 4, timeout: 120 });",
  "result",
].join("\n");

export function registerCommands(context: vscode.ExtensionContext, kernels: KernelManager): vscode.Disposable[] {
  const activeNotebook = (target?: unknown): vscode.NotebookDocument | undefined => {
    const uri = notebookUriOf(target);
    if (uri) return vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString());
    const nb = vscode.window.activeNotebookEditor?.notebook;
    return nb?.notebookType === NOTEBOOK_TYPE ? nb : undefined;
  };
  return [
    vscode.commands.registerCommand("chalknb.newNotebook", async () => {
      const data = new vscode.NotebookData([
        new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, "# New chalknb notebook\nCells are TypeScript; `Remote`, `arrow` and `display` are in scope.", "markdown"),
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, STARTER, "typescript"),
      ]);
      const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
      await vscode.window.showNotebookDocument(doc);
      return doc;
    }),

    vscode.commands.registerCommand("chalknb.restartKernel", async (target?: unknown) => {
      const nb = activeNotebook(target);
      if (!nb) return void vscode.window.showWarningMessage("chalknb: open a .chalknb notebook to restart its kernel.");
      const session = kernels.find(nb);
      if (!session || session.state === "not started") return void vscode.window.setStatusBarMessage("chalknb: kernel not started yet", 3000);
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "chalknb: restarting kernel…" }, () => session.restart());
      vscode.window.setStatusBarMessage("chalknb: kernel restarted (variables cleared)", 4000);
    }),

    /**
     * Saving full outputs in this notebook (its metadata's "saveFullOutputs"): on, tables run from now on are whole in
     * their outputs and saved whole; off, outputs over chalknb.maxSavedOutputBytes are saved as their preview.
     * `enable` sets it instead of toggling (for tests and keybindings).
     */
    vscode.commands.registerCommand("chalknb.toggleSaveFullOutputs", async (target?: unknown, enable?: boolean) => {
      const nb = activeNotebook(target);
      if (!nb) return void vscode.window.showWarningMessage("chalknb: open a .chalknb notebook to choose how its outputs are saved.");
      const on = enable ?? !savesFullOutputs(nb);
      const edit = new vscode.WorkspaceEdit();
      edit.set(nb.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...nb.metadata, [SAVE_FULL_OUTPUTS_KEY]: on })]);
      await vscode.workspace.applyEdit(edit);
      vscode.window.setStatusBarMessage(on
        ? "chalknb: this notebook saves full outputs (run the cells again to get whole tables)"
        : "chalknb: large outputs in this notebook are saved as their preview", 5000);
      return on;
    }),

    vscode.commands.registerCommand("chalknb.exportIpynb", async (notebook?: unknown, target?: vscode.Uri) => {
      const nb = activeNotebook(notebook);
      if (!nb) return void vscode.window.showWarningMessage("chalknb: open a .chalknb notebook to export it.");
      const dest = target ?? (await vscode.window.showSaveDialog({
        defaultUri: nb.uri.with({ path: nb.uri.path.replace(/\.chalknb$/, "") + ".ipynb" }),
        filters: { "Jupyter Notebook": ["ipynb"] },
      }));
      if (!dest) return;
      const data = new vscode.NotebookData(nb.getCells().map((c) => {
        const cell = new vscode.NotebookCellData(c.kind, c.document.getText(), c.document.languageId);
        cell.outputs = [...c.outputs];
        cell.executionSummary = c.executionSummary;
        cell.metadata = c.metadata;
        return cell;
      }));
      data.metadata = nb.metadata;
      const ipynb = toIpynb(fromNotebookData(data));
      await vscode.workspace.fs.writeFile(dest, new TextEncoder().encode(JSON.stringify(ipynb, null, 1) + "\n"));
      if (!target) void vscode.window.showInformationMessage(`chalknb: exported to ${vscode.workspace.asRelativePath(dest)}`);
      return dest;
    }),

    vscode.commands.registerCommand("chalknb.openDashboard", (queueUrl?: string) =>
      DashboardPanel.show(context.extensionUri, context.secrets, typeof queueUrl === "string" ? queueUrl : undefined,
        async () => (await kernels.queues(vscode.window.activeNotebookEditor?.notebook))[0])),

    vscode.commands.registerCommand("chalknb.setQueueToken", async (value?: string) => {
      const token = typeof value === "string" ? value : await vscode.window.showInputBox({
        title: "chalknb: queue token",
        prompt: "Token for the function queue (kept in the OS secret store, not in settings). Leave empty to remove it.",
        password: true,
        ignoreFocusOut: true,
      });
      if (token === undefined) return;
      if (token === "") await context.secrets.delete(TOKEN_KEY);
      else await context.secrets.store(TOKEN_KEY, token);
      if (typeof value !== "string") {
        void vscode.window.showInformationMessage(token ? "chalknb: queue token saved; restart running kernels to use it." : "chalknb: queue token removed.");
      }
    }),
  ];
}

/**
 * The notebook a command was invoked on. The palette passes nothing, tests and other extensions a Uri; the notebook
 * toolbar passes its editor context, `{ notebookEditor: { notebookUri } }` (vscode-jupyter's commands take the same),
 * and some menus a NotebookEditor or NotebookDocument.
 */
export function notebookUriOf(target: unknown): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (!target || typeof target !== "object") return undefined;
  const t = target as { notebookEditor?: unknown; notebookUri?: unknown; notebook?: unknown; uri?: unknown; scheme?: unknown; path?: unknown };
  if (t.notebookEditor) return notebookUriOf(t.notebookEditor);
  if (t.notebookUri) return notebookUriOf(t.notebookUri);
  if (t.notebook) return notebookUriOf(t.notebook);
  if (t.uri) return notebookUriOf(t.uri);
  // A URI that crossed from the workbench without being revived: its components.
  if (typeof t.scheme === "string" && typeof t.path === "string") return vscode.Uri.from(target as { scheme: string; path: string });
  return undefined;
}
