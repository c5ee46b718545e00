/** Loads every table op module (each registers its ops), then re-exports the dispatcher. */
import "./rows.js";
import "./inspector.js";

export { runTableOp, registerTableOp, tableOpNames, TableOpError, type TableOpContext } from "./registry.js";
