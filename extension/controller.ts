/**
 * The notebook controller: runs cells in order on the notebook's kernel, streams stdout into the running cell,
 * replaces progress displays in place (update_display_data by display_id), sets execution order and timing, and
 * interrupts through the kernel. In an untrusted workspace no cell runs, and the cell says why.
 */
import * as vscode from "vscode";
import type { KernelOutput } from "../kernel/messages.js";
import type { DisplayUpdate, KernelManager, KernelSession } from "./kernel-session.js";
import { savesFullOutputs } from "../kernel/saved-outputs.js";
import { bundleToItems, errorItem, messageError } from "./output-mapping.js";
import { readSettings } from "./settings.js";
import { utf8Prefix } from "../kernel/stream-cap.js";

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
  readonly #watched = new WeakSet<KernelSession>();
  readonly #subscriptions: vscode.Disposable[] = [];

  constructor(kernels: KernelManager, notebookType: string = NOTEBOOK_TYPE) {
    this.#kernels = kernels;
    const id = notebookType === NOTEBOOK_TYPE ? CONTROLLER_ID : `${CONTROLLER_ID}-${notebookType}`;
    this.controller = vscode.notebooks.createNotebookController(id, notebookType, "chalknb (TypeScript)");
    this.controller.supportedLanguages = ["typescript"];
    if (notebookType === JUPYTER_NOTEBOOK_TYPE) this.#preferForTypeScriptNotebooks();
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "TypeScript kernel with the chalknb function queue";
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

  /** Applies display updates that arrive after their cell finished (a deferBatch's progress, say). */
  #watch(session: KernelSession, notebook: vscode.NotebookDocument): void {
    if (this.#watched.has(session)) return;
    this.#watched.add(session);
    // Updates are applied one at a time (a cell takes one execution at a time) and coalesced per display: while one
    // is applied, newer ones replace older ones, so the last state — "done" — is always the one left showing.
    const latest = new Map<string, DisplayUpdate>();
    let draining = false;
    const drain = async () => {
      draining = true;
      try {
        let busyRetries = 0;
        while (latest.size > 0) {
          const [displayId, update] = latest.entries().next().value as [string, DisplayUpdate];
          latest.delete(displayId);
          const outcome = await this.#updateFinishedDisplay(notebook, update).catch(() => "gone" as const);
          // The cell's own execution may still be ending: try again shortly, unless a newer update came meanwhile.
          if (outcome === "busy" && busyRetries++ < 50) {
            if (!latest.has(displayId)) latest.set(displayId, update);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        draining = false;
      }
    };
    this.#subscriptions.push(session.onDidUpdateDisplay((update) => {
      latest.set(update.displayId, update);
      if (!draining) void drain();
    }));
  }

  /** "gone": no output shows that display any more; "busy": the cell has an execution now. */
  async #updateFinishedDisplay(notebook: vscode.NotebookDocument, update: DisplayUpdate): Promise<"done" | "gone" | "busy"> {
    const isTarget = (o: vscode.NotebookCellOutput) => o.metadata?.displayId === update.displayId;
    const cell = notebook.getCells().find((c) => c.outputs.some(isTarget));
    const target = cell?.outputs.find(isTarget);
    if (!cell || !target) return "gone";
    const summary = cell.executionSummary;
    let execution: vscode.NotebookCellExecution;
    try {
      // An output can only change through an execution: a short one that keeps the cell's order and timing.
      execution = this.controller.createNotebookCellExecution(cell);
    } catch {
      return "busy";
    }
    execution.executionOrder = summary?.executionOrder;
    execution.start(summary?.timing?.startTime);
    try {
      await execution.replaceOutputItems(bundleToItems(update.data), target);
    } finally {
      execution.end(summary?.success, summary?.timing?.endTime);
    }
    return "done";
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
    this.#watch(session, notebook);
    const displays = this.#displaysOf(notebook);
    // The last output appended, when it is a stream: more text of the same stream goes into it, up to the cap
    // (a cell that prints gigabytes would make the notebook unsavable and the extension host run out of memory).
    const maxOutputBytes = readSettings(notebook.uri).maxOutputBytes;
    let lastStream: { name: string; output: vscode.NotebookCellOutput; bytes: number; truncated: boolean } | null = null;
    const own = new Set<vscode.NotebookCellOutput>();
    /** Per output, the newest update not yet applied. */
    const latestUpdate = new Map<vscode.NotebookCellOutput, vscode.NotebookCellOutputItem[]>();
    // Output edits are applied in order: each waits for the one before it.
    let edits: Thenable<void> = Promise.resolve();
    const enqueue = (f: () => Thenable<void>): void => {
      edits = edits.then(f, f);
    };
    const onOutput = (o: KernelOutput): void => {
      switch (o.output_type) {
        case "stream": {
          const itemOf = (text: string) => o.name === "stderr" ? vscode.NotebookCellOutputItem.stderr(text) : vscode.NotebookCellOutputItem.stdout(text);
          const continued = lastStream !== null && lastStream.name === o.name ? lastStream : null;
          if (continued?.truncated) return;
          const kept = utf8Prefix(o.text, maxOutputBytes - (continued?.bytes ?? 0));
          const items = kept.text ? [itemOf(kept.text)] : [];
          const truncated = kept.text.length < o.text.length;
          const bytes = (continued?.bytes ?? 0) + kept.bytes;
          if (truncated) {
            items.push(itemOf(`\n… output truncated after ${bytes} bytes (setting chalknb.maxOutputBytes); the rest of this stream is not kept\n`));
          }
          if (continued) {
            continued.bytes = bytes;
            continued.truncated = truncated;
            const target = continued.output;
            if (items.length > 0) enqueue(() => execution.appendOutputItems(items, target));
          } else {
            const output = new vscode.NotebookCellOutput(items);
            lastStream = { name: o.name, output, bytes, truncated };
            own.add(output);
            enqueue(() => execution.appendOutput(output));
          }
          return;
        }
        case "display_data":
        case "execute_result": {
          lastStream = null;
          const displayId = o.output_type === "display_data" ? o.display_id : undefined;
          const output = new vscode.NotebookCellOutput(bundleToItems(o.data), { ...o.metadata, outputType: o.output_type, ...(displayId ? { displayId } : {}) });
          if (o.output_type === "display_data" && o.display_id) displays.set(o.display_id, output);
          if (o.output_type === "execute_result") execution.executionOrder = o.execution_count;
          own.add(output);
          enqueue(() => execution.appendOutput(output));
          return;
        }
        case "update_display_data": {
          const target = displays.get(o.display_id);
          // Only outputs this execution appended can be replaced through it.
          if (!target || !own.has(target)) return;
          // Coalesced: a long call's progress updates faster than the workbench applies them (each carries every
          // chunk's state), and a backlog of stale ones kept the cell "running" long after an interrupt ended it.
          const queued = latestUpdate.has(target);
          latestUpdate.set(target, bundleToItems(o.data));
          if (!queued) {
            enqueue(() => {
              const items = latestUpdate.get(target)!;
              latestUpdate.delete(target);
              return execution.replaceOutputItems(items, target);
            });
          }
          return;
        }
        case "error":
          lastStream = null;
          enqueue(() => execution.appendOutput(new vscode.NotebookCellOutput([errorItem(o)])));
          return;
      }
    };
    let success = false;
    try {
      // The cell's URI as its id: the kernel's type checker keeps one entry per cell and labels findings with it.
      // A notebook that saves full outputs gets whole tables in its outputs; others get a preview and a handle.
      await session.configureTables(savesFullOutputs(notebook));
      const outcome = await session.execute(cell.document.getText(), cell.document.uri.toString(), onOutput);
      execution.executionOrder = outcome.executionCount;
      success = outcome.status === "ok";
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      enqueue(() => execution.appendOutput(messageError(err.name === "Error" ? "KernelError" : err.name, err.message)));
    }
    await edits;
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
