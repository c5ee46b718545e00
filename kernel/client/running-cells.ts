import type { ErrorContent, KernelMessage, KernelOutput } from "../messages.js";
import type { OutputCap } from "../stream-cap.js";
import { foldOutput } from "./output-folding.js";
import type { ExecuteResult } from "./types.js";

interface RunningCell {
  outputs: KernelOutput[];
  onOutput?: (output: KernelOutput) => void;
  resolve(result: ExecuteResult): void;
  executionCount: number;
  error?: ErrorContent;
  done: Promise<ExecuteResult>;
}

/** What {@link RunningCells.apply} made of a message. */
export type Applied = "output" | "ended" | "no cell";

/**
 * The cells sent to the kernel that have not ended, by request id in the order they were sent: each gathers its
 * outputs (folded as they are saved, every piece also passed live to its `onOutput`) until its `execute_reply`.
 */
export class RunningCells {
  readonly #cells = new Map<string, RunningCell>();
  readonly #cap: OutputCap | undefined;

  constructor(cap: OutputCap | undefined) {
    this.#cap = cap;
  }

  get size(): number {
    return this.#cells.size;
  }

  ids(): string[] {
    return [...this.#cells.keys()];
  }

  /** Registers a cell sent as `msgId`; the promise resolves when it ends, however it ends. */
  add(msgId: string, onOutput: ((output: KernelOutput) => void) | undefined): Promise<ExecuteResult> {
    let resolve!: (result: ExecuteResult) => void;
    const done = new Promise<ExecuteResult>((r) => (resolve = r));
    this.#cells.set(msgId, { outputs: [], onOutput, resolve, executionCount: 0, done });
    return done;
  }

  /** The ends of those of `ids` still running. */
  endings(ids: string[]): Promise<ExecuteResult>[] {
    return ids.flatMap((id) => {
      const cell = this.#cells.get(id);
      return cell ? [cell.done] : [];
    });
  }

  /** Output that bypassed the kernel's console capture belongs to the cell running now: the first one sent. */
  addRawOutput(name: "stdout" | "stderr", text: string): boolean {
    const first = this.#cells.values().next();
    if (first.done) return false;
    this.#addOutput(first.value, { output_type: "stream", name, text });
    return true;
  }

  /** Applies a message to the cell it belongs to. */
  apply(message: KernelMessage): Applied {
    const id = "parent_id" in message ? message.parent_id : undefined;
    const cell = id === undefined ? undefined : this.#cells.get(id);
    if (!cell) return "no cell";
    switch (message.msg_type) {
      case "stream":
        this.#addOutput(cell, { output_type: "stream", ...message.content });
        break;
      case "display_data": {
        const displayId = message.content.transient?.display_id;
        const { data, metadata } = message.content;
        this.#addOutput(cell, { output_type: "display_data", data, metadata, ...(displayId ? { display_id: displayId } : {}) });
        break;
      }
      case "update_display_data": {
        const displayId = message.content.transient?.display_id;
        if (!displayId) break;
        this.#addOutput(cell, { output_type: "update_display_data", data: message.content.data, metadata: message.content.metadata, display_id: displayId });
        break;
      }
      case "execute_result":
        cell.executionCount = message.content.execution_count;
        this.#addOutput(cell, { output_type: "execute_result", ...message.content });
        break;
      case "error":
        cell.error = message.content;
        this.#addOutput(cell, { output_type: "error", ...message.content });
        break;
      case "execute_reply":
        this.#cells.delete(message.parent_id);
        cell.resolve({
          status: message.content.status,
          executionCount: message.content.status === "aborted" ? 0 : message.content.execution_count,
          outputs: cell.outputs,
          ...(cell.error ? { error: cell.error } : {}),
        });
        return "ended";
      default:
        break;
    }
    return "output";
  }

  /** Ends every running cell with the error `ename: evalue` (the process behind them is gone). */
  failAll(ename: string, evalue: string): void {
    for (const [id, cell] of this.#cells) {
      this.#cells.delete(id);
      const error: ErrorContent = { ename, evalue, traceback: [`${ename}: ${evalue}`] };
      this.#addOutput(cell, { output_type: "error", ...error });
      cell.resolve({ status: "error", executionCount: cell.executionCount, outputs: cell.outputs, error });
    }
  }

  #addOutput(cell: RunningCell, output: KernelOutput): void {
    foldOutput(cell.outputs, output, this.#cap);
    try {
      cell.onOutput?.(output);
    } catch {
      // A listener that throws must not break the kernel connection.
    }
  }
}
