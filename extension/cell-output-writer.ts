/**
 * A running cell's outputs, as the kernel sends them, written into its execution: stdout and stderr folded into the
 * last stream output up to a cap, rich displays appended, a display's updates replacing it in place (coalesced), errors
 * appended. Edits are applied in the order the outputs came.
 */
import * as vscode from "vscode";
import type { KernelOutput } from "../kernel/messages.js";
import { utf8Prefix } from "../kernel/stream-cap.js";
import { bundleToItems, errorItem, messageError } from "./output-mapping.js";

export class CellOutputWriter {
  readonly #execution: vscode.NotebookCellExecution;
  /** The notebook's display_id → the output showing it (shared by its cells: a display is updated where it is). */
  readonly #displays: Map<string, vscode.NotebookCellOutput>;
  readonly #maxOutputBytes: number;
  /** The last output appended, when it is a stream: more text of the same stream goes into it, up to the cap. */
  #lastStream: { name: string; output: vscode.NotebookCellOutput; bytes: number; truncated: boolean } | null = null;
  /** Outputs this execution appended: only those can be replaced through it. */
  readonly #own = new Set<vscode.NotebookCellOutput>();
  /** Per output, the newest update not yet applied. */
  readonly #latestUpdate = new Map<vscode.NotebookCellOutput, vscode.NotebookCellOutputItem[]>();
  #edits: Thenable<void> = Promise.resolve();

  /**
   * `maxOutputBytes` caps each stream run: a cell that prints gigabytes would make the notebook unsavable and the
   * extension host run out of memory.
   */
  constructor(execution: vscode.NotebookCellExecution, displays: Map<string, vscode.NotebookCellOutput>, maxOutputBytes: number) {
    this.#execution = execution;
    this.#displays = displays;
    this.#maxOutputBytes = maxOutputBytes;
  }

  write(o: KernelOutput): void {
    switch (o.output_type) {
      case "stream":
        this.#stream(o.name, o.text);
        return;
      case "display_data":
      case "execute_result": {
        this.#lastStream = null;
        const displayId = o.output_type === "display_data" ? o.display_id : undefined;
        const output = new vscode.NotebookCellOutput(bundleToItems(o.data), { ...o.metadata, outputType: o.output_type, ...(displayId ? { displayId } : {}) });
        if (displayId) this.#displays.set(displayId, output);
        if (o.output_type === "execute_result") this.#execution.executionOrder = o.execution_count;
        this.#own.add(output);
        this.#enqueue(() => this.#execution.appendOutput(output));
        return;
      }
      case "update_display_data":
        this.#update(o.display_id, bundleToItems(o.data));
        return;
      case "error":
        this.#lastStream = null;
        this.#enqueue(() => this.#execution.appendOutput(new vscode.NotebookCellOutput([errorItem(o)])));
        return;
    }
  }

  /** A failure outside the cell's code (the kernel would not start, say), shown as the cell's error. */
  fail(error: Error): void {
    this.#enqueue(() => this.#execution.appendOutput(messageError(error.name === "Error" ? "KernelError" : error.name, error.message)));
  }

  /** Resolves once every output written so far is in the cell. */
  flushed(): Thenable<void> {
    return this.#edits;
  }

  #enqueue(edit: () => Thenable<void>): void {
    this.#edits = this.#edits.then(edit, edit);
  }

  #stream(name: "stdout" | "stderr", text: string): void {
    const itemOf = (t: string) => (name === "stderr" ? vscode.NotebookCellOutputItem.stderr(t) : vscode.NotebookCellOutputItem.stdout(t));
    const continued = this.#lastStream !== null && this.#lastStream.name === name ? this.#lastStream : null;
    if (continued?.truncated) return;
    const kept = utf8Prefix(text, this.#maxOutputBytes - (continued?.bytes ?? 0));
    const items = kept.text ? [itemOf(kept.text)] : [];
    const truncated = kept.text.length < text.length;
    const bytes = (continued?.bytes ?? 0) + kept.bytes;
    if (truncated) {
      items.push(itemOf(`\n… output truncated after ${bytes} bytes (setting chalknb.maxOutputBytes); the rest of this stream is not kept\n`));
    }
    if (continued) {
      continued.bytes = bytes;
      continued.truncated = truncated;
      const target = continued.output;
      if (items.length > 0) this.#enqueue(() => this.#execution.appendOutputItems(items, target));
      return;
    }
    const output = new vscode.NotebookCellOutput(items);
    this.#lastStream = { name, output, bytes, truncated };
    this.#own.add(output);
    this.#enqueue(() => this.#execution.appendOutput(output));
  }

  #update(displayId: string, items: vscode.NotebookCellOutputItem[]): void {
    const target = this.#displays.get(displayId);
    if (!target || !this.#own.has(target)) return;
    // Not a rate limit (the kernel's progress display sets the rate): an update still waiting for the workbench is
    // replaced by a newer one, since a backlog of stale ones (each carries every chunk's state) kept the cell
    // "running" long after an interrupt ended it.
    const queued = this.#latestUpdate.has(target);
    this.#latestUpdate.set(target, items);
    if (queued) return;
    this.#enqueue(() => {
      const latest = this.#latestUpdate.get(target)!;
      this.#latestUpdate.delete(target);
      return this.#execution.replaceOutputItems(latest, target);
    });
  }
}
