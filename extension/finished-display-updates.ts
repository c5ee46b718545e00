/**
 * Display updates that arrive after their cell finished (a deferBatch's progress, say): each is applied through a
 * short execution of the cell that shows the display, keeping the cell's order and timing. Updates are applied one at
 * a time; one that arrives while an earlier one of its display still waits replaces it (the kernel sets the rate; this
 * only drops what the workbench has not got to), so the last state — "done" — is always the one left showing.
 */
import type * as vscode from "vscode";
import type { DisplayUpdate, KernelSession } from "./kernel-session.js";
import { bundleToItems } from "./output-mapping.js";

export class FinishedDisplayUpdates implements vscode.Disposable {
  readonly #controller: vscode.NotebookController;
  readonly #watched = new WeakSet<KernelSession>();
  readonly #subscriptions: vscode.Disposable[] = [];

  constructor(controller: vscode.NotebookController) {
    this.#controller = controller;
  }

  /** Starts applying `session`'s late display updates to `notebook` (once per session). */
  watch(session: KernelSession, notebook: vscode.NotebookDocument): void {
    if (this.#watched.has(session)) return;
    this.#watched.add(session);
    const latest = new Map<string, DisplayUpdate>();
    let draining = false;
    const drain = async () => {
      draining = true;
      try {
        let busyRetries = 0;
        while (latest.size > 0) {
          const [displayId, update] = latest.entries().next().value as [string, DisplayUpdate];
          latest.delete(displayId);
          const outcome = await this.#apply(notebook, update).catch(() => "gone" as const);
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

  dispose(): void {
    for (const d of this.#subscriptions) d.dispose();
  }

  /** "gone": no output shows that display any more; "busy": the cell has an execution now. */
  async #apply(notebook: vscode.NotebookDocument, update: DisplayUpdate): Promise<"done" | "gone" | "busy"> {
    const isTarget = (o: vscode.NotebookCellOutput) => o.metadata?.displayId === update.displayId;
    const cell = notebook.getCells().find((c) => c.outputs.some(isTarget));
    const target = cell?.outputs.find(isTarget);
    if (!cell || !target) return "gone";
    const summary = cell.executionSummary;
    let execution: vscode.NotebookCellExecution;
    try {
      // An output can only change through an execution: a short one that keeps the cell's order and timing.
      execution = this.#controller.createNotebookCellExecution(cell);
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
}
