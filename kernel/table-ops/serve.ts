import type { Table } from "apache-arrow";
import { runTableOp, TableOpError, type TableOpContext } from "./registry.js";
import { lookupTable } from "./store.js";

/**
 * Loads the op modules. The grid's own ops load first and on their own, so a module that fails to load (e.g. an
 * inspector op missing a package) costs only its ops, whose requests then say why, and never the grid's rows.
 */
let loading: Promise<string | undefined> | undefined;
function loadOps(): Promise<string | undefined> {
  loading ??= import("./rows.js").then(() => import("./index.js")).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return loading;
}

/** What the kernel answers to a `table_request`: the op's JSON and bytes (base64), or a code and a message. */
export type TableReplyContent =
  | { ok: true; result: unknown; ipc?: string }
  | { ok: false; code: string; message: string };

/** Binds a kernel global: cells read their globals from the kernel's global object, so the next cell sees it. */
const context: TableOpContext = {
  setVariable(name, value) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new TableOpError("CHALKNB_INVALID_ARGUMENT", `"${name}" is not a variable name`);
    (globalThis as Record<string, unknown>)[name] = value;
  },
};

export async function serveTableRequest(handle: string, op: string, args: unknown): Promise<TableReplyContent> {
  const found = lookupTable(handle);
  if (!found.ok) return { ok: false, code: found.code, message: found.message };
  const loadError = await loadOps();
  try {
    const { result, ipc } = await runTableOp(op, found.table as Table, args, context);
    return { ok: true, result, ...(ipc ? { ipc: Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength).toString("base64") } : {}) };
  } catch (error) {
    if (error instanceof TableOpError) {
      const why = error.code === "CHALKNB_UNKNOWN_OP" && loadError ? ` (some table ops could not load: ${loadError})` : "";
      return { ok: false, code: error.code, message: error.message + why };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, code: "CHALKNB_TABLE_OP_FAILED", message: `table op "${op}" failed: ${message}` };
  }
}
