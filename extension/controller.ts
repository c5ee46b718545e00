/**
 * The notebook controller: runs cells in order on the notebook's kernel (one run queue per notebook), sets execution
 * order and timing, and interrupts through the kernel. A running cell's outputs are written by CellOutputWriter;
 * display updates after a cell finished by FinishedDisplayUpdates. In an untrusted workspace no cell runs, and the
 * cell says why.
 */
import * as vscode from "vscode";
import type { KernelManager } from "./kernel-session.js";
import { savesFullOutputs } from "../kernel/saved-outputs.js";
import { CellOutputWriter } from "./cell-output-writer.js";
import { FinishedDisplayUpdates } from "./finished-display-updates.js";
import { messageError } from "./output-mapping.js";
import { readSettings } from "./settings.js";

export const CONTROLLER_ID = "chalknb-kernel";
export const NOTEBOOK_TYPE = "chalknb";
/** VS Code's own .ipynb notebooks: the kernel offers itself there for TypeScript notebooks (tslab, Deno, ours). */
export const JUPYTER_NOTEBOOK_TYPE = "jupyter-notebook";

export const UNTRUSTED_MESSAGE =
  "Cells do not run in an untrusted workspace: running a cell executes TypeScript with your user's rights. " +
  "Trust this folder (Workspaces: Manage Workspace Trust) to run it.";

export class ChalknbController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  readonly #kernels: KernelManager;
  /** Per notebook: display_id → the output showing it (for update_display_data). */
  readonly #displays = new Map<string, Map<string, vscode.NotebookCellOutput>>();
  /** Runs queue per notebook: cells run one after another, whatever requested them. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #lateUpdates: FinishedDisplayUpdates;
  readonly #subscriptions: vscode.Disposable[] = [];

  constructor(kernels: KernelManager, notebookType: string = NOTEBOOK_TYPE) {
    this.#kernels = kernels;
    const id = notebookType === NOTEBOOK_TYPE ? CONTROLLER_ID : `${CONTROLLER_ID}-${notebookType}`;
    this.controller = vscode.notebooks.createNotebookController(id, notebookType, "chalknb (TypeScript)");
    this.controller.supportedLanguages = ["typescript"];
    if (notebookType === JUPYTER_NOTEBOOK_TYPE) this.#preferForTypeScriptNotebooks();
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "TypeScript kernel with the chalknb function queue";
    this.#lateUpdates = new FinishedDisplayUpdates(this.controller);
    this.#subscriptions.push(this.#lateUpdates);
    this.controller.executeHandler = (cells, notebook) => this.#run(cells, notebook);
    this.controller.interruptHandler = async (notebook) => {
      await this.#kernels.find(notebook)?.interrupt();
    };
  }

  /** An .ipynb whose kernelspec says TypeScript picks this kernel by default; other .ipynb files only list it. */
  #preferForTypeScriptNotebooks(): void {
    const prefer = (notebook: vscode.NotebookDocument) => {
      if (notebook.notebookType !== JUPYTER_NOTEBOOK_TYPE || ipynbLanguage(notebook) !== "typescript") return;
      this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.#subscriptions.push(vscode.workspace.onDidOpenNotebookDocument(prefer));
  }

  dispose(): void {
    for (const d of this.#subscriptions) d.dispose();
    this.controller.dispose();
  }

  #run(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    const code = cells.filter((c) => c.kind === vscode.NotebookCellKind.Code);
    // Queued executions show as pending at once; each starts when the previous cell finished.
    const executions = code.map((cell) => this.controller.createNotebookCellExecution(cell));
    // The kernel counts as busy while any of them is pending (no session, and no kernel, in an untrusted workspace).
    const session = vscode.workspace.isTrusted ? this.#kernels.get(notebook) : undefined;
    session?.pending(executions.length);
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#runAll(executions, notebook))
      .catch(() => undefined)
      .finally(() => session?.pending(-executions.length));
    this.#queues.set(key, next);
    return next;
  }

  async #runAll(executions: vscode.NotebookCellExecution[], notebook: vscode.NotebookDocument): Promise<void> {
    for (let i = 0; i < executions.length; i++) {
      const ok = await this.#runOne(executions[i]!, notebook);
      if (!ok) {
        // Like Jupyter's "run all": a failing cell stops the ones after it.
        for (const rest of executions.slice(i + 1)) {
          rest.start();
          rest.end(undefined);
        }
        return;
      }
    }
  }

  async #runOne(execution: vscode.NotebookCellExecution, notebook: vscode.NotebookDocument): Promise<boolean> {
    const cell = execution.cell;
    execution.start(Date.now());
    await execution.clearOutput();
    if (!vscode.workspace.isTrusted) {
      await execution.replaceOutput([messageError("WorkspaceNotTrusted", UNTRUSTED_MESSAGE)]);
      execution.end(false, Date.now());
      return false;
    }
    if (execution.token.isCancellationRequested) {
      execution.end(undefined);
      return false;
    }
    const session = this.#kernels.get(notebook);
    this.#lateUpdates.watch(session, notebook);
    const writer = new CellOutputWriter(execution, this.#displaysOf(notebook), readSettings(notebook.uri).maxOutputBytes);
    let success = false;
    try {
      // A notebook that saves full outputs gets whole tables in its outputs; others get a preview and a handle.
      await session.configureTables(savesFullOutputs(notebook));
      // The cell's URI as its id: the kernel's type checker keeps one entry per cell and labels findings with it.
      const outcome = await session.execute(cell.document.getText(), cell.document.uri.toString(), (o) => writer.write(o));
      execution.executionOrder = outcome.executionCount;
      success = outcome.status === "ok";
    } catch (e) {
      writer.fail(e instanceof Error ? e : new Error(String(e)));
    }
    await writer.flushed();
    execution.end(success, Date.now());
    return success;
  }

  #displaysOf(notebook: vscode.NotebookDocument): Map<string, vscode.NotebookCellOutput> {
    const key = notebook.uri.toString();
    let m = this.#displays.get(key);
    if (!m) {
      m = new Map();
      this.#displays.set(key, m);
    }
    return m;
  }
}

/** The language an .ipynb declares (VS Code's serializer keeps the file's metadata under `metadata`, older ones under `custom.metadata`). */
function ipynbLanguage(notebook: vscode.NotebookDocument): string | undefined {
  type IpynbMetadata = { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } };
  const meta = notebook.metadata as { metadata?: IpynbMetadata; custom?: { metadata?: IpynbMetadata } };
  const fileMetadata = meta.metadata ?? meta.custom?.metadata;
  const language = fileMetadata?.kernelspec?.language ?? fileMetadata?.language_info?.name;
  return typeof language === "string" ? language.toLowerCase() : undefined;
}
