import type { Table } from "apache-arrow";

/**
 * Table ops: named computations over a table the kernel holds, asked for by the renderer (row windows, sorted and
 * filtered views, inspector computations). Each op module registers itself; {@link runTableOp} dispatches by name.
 */

export interface TableOpContext {
  /** Binds a kernel global that the next cell sees (e.g. the inspector's `selection`). */
  setVariable(name: string, value: unknown): void;
}

export type TableOpResult = { result: unknown; ipc?: Uint8Array };
export type TableOp = (table: Table, args: unknown, ctx: TableOpContext) => Promise<TableOpResult> | TableOpResult;

/** Thrown by an op for bad arguments: the reply carries its code and message. */
export class TableOpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "TableOpError";
  }
}

const ops = new Map<string, TableOp>();

export function registerTableOp(op: string, fn: TableOp): void {
  if (ops.has(op)) throw new Error(`table op "${op}" is registered twice`);
  ops.set(op, fn);
}

export function tableOpNames(): string[] {
  return [...ops.keys()].sort();
}

/** Runs a registered op; throws {@link TableOpError} with CHALKNB_UNKNOWN_OP for a name nobody registered. */
export async function runTableOp(op: string, table: Table, args: unknown, ctx: TableOpContext): Promise<TableOpResult> {
  const fn = ops.get(op);
  if (!fn) throw new TableOpError("CHALKNB_UNKNOWN_OP", `unknown table op "${op}"; the kernel knows: ${tableOpNames().join(", ")}`);
  return await fn(table, args, ctx);
}
