import type { CompiledCell } from "./cell-compiler.js";
import type { KernelMessage } from "./messages.js";

/** Type checks executed cells in a worker thread and sends `diagnostics` messages. */
export interface TypeCheckClient {
  check(cell: CompiledCell, parentId: string, executionCount: number, cellId: string | undefined): void;
  close(): void;
}

export function createTypeCheckClient(_options: { cwd: string; send(message: KernelMessage): void }): TypeCheckClient {
  return { check() {}, close() {} };
}
