import { Worker } from "node:worker_threads";
import type { CompiledCell } from "./cell-compiler.js";
import type { KernelMessage } from "./messages.js";
import type { CheckRequest, CheckResult } from "./type-check-worker.js";

/**
 * The kernel side of type checking: hands executed cells to the checker worker thread and sends its findings as
 * `diagnostics` messages. Started only when the client asked for type checking (`KernelClient.start({ typeCheck })`).
 * @internal
 */
export interface TypeCheckClient {
  check(cell: CompiledCell, parentId: string, executionCount: number, cellId: string | undefined): void;
  close(): void;
}

export interface TypeCheckClientOptions {
  cwd: string;
  send(message: KernelMessage): void;
  /** How long the kernel must be quiet (no cell finished) before queued cells are checked. @default 150 */
  quietMs?: number;
}

export function createTypeCheckClient(options: TypeCheckClientOptions): TypeCheckClient {
  let worker: Worker | undefined = new Worker(new URL("./type-check-worker.js", import.meta.url), {
    workerData: { cwd: options.cwd },
    // Its own stdout: the kernel's console capture must not see the checker.
    stdout: true,
    stderr: true,
  });
  worker.unref();
  worker.on("message", (result: CheckResult) => {
    options.send({
      msg_type: "diagnostics",
      parent_id: result.parentId,
      content: { execution_count: result.executionCount, ...(result.cellId ? { cell_id: result.cellId } : {}), diagnostics: result.diagnostics },
    });
  });
  worker.on("error", (error) => {
    worker = undefined;
    options.send({ msg_type: "idle_stream", content: { name: "stderr", text: `chalknb: type checking stopped: ${error.message}\n` } });
  });
  // Checks wait for a quiet moment: while cells run back to back (Run All, a benchmark) the checker stays off the CPU,
  // then checks all of them in one pass.
  let queued: CheckRequest[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = queued;
    queued = [];
    if (batch.length > 0) worker?.postMessage(batch);
  };
  return {
    check(cell, parentId, executionCount, cellId) {
      queued.push({ key: cellId ?? cell.filename, source: cell.source, parentId, executionCount, ...(cellId ? { cellId } : {}) });
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, options.quietMs ?? 150);
      timer.unref();
    },
    close() {
      if (timer) clearTimeout(timer);
      void worker?.terminate();
      worker = undefined;
    },
  };
}
