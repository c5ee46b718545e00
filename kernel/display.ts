import { inspect } from "node:util";
import { ARROW_MIME, PROGRESS_MIME, type CallProgress } from "../protocol/progress.js";
import type { MimeBundle } from "./messages.js";
import type { LazyTableMetadata } from "../protocol/renderer-messages.js";
import type { Table as ArrowTable } from "apache-arrow";
import { compactDictionaries } from "./table-ops/compact.js";
import { holdTable } from "./table-ops/store.js";
import { describeProgress, previewTable, type TableLike } from "./text-preview.js";

/**
 * Turns cell values into MIME bundles. An Arrow Table / RecordBatch becomes Arrow IPC file bytes (base64) of its first
 * rows plus a text preview; the kernel holds the table under a handle (in the metadata) so the grid can fetch the rest; anything else becomes `text/plain` (util.inspect, as Node's REPL prints). An object may offer its own
 * bundle through {@link MIME_BUNDLE}.
 */

/** An object with a method under this symbol returning a MIME bundle is displayed with that bundle. */
export const MIME_BUNDLE = Symbol.for("chalknb.mimeBundle");

/**
 * Largest Arrow IPC payload put in one output when the whole table is asked for (notebooks that save full outputs);
 * a bigger table is cut to its first rows (the text and the grid say so).
 * @default 64 MiB
 */
export const MAX_ARROW_BYTES = 64 * 1024 * 1024;

/** Rows a displayed table's output holds; the kernel keeps the table and the grid asks it for the rest. */
export const DEFAULT_PREVIEW_ROWS = 1000;

/**
 * Most bytes of a preview: wide rows (long vectors) get fewer preview rows (512-d floats: about 500), so the output
 * crosses the kernel → VS Code → renderer hops at once; the grid fetches the rest.
 */
export const PREVIEW_MAX_BYTES = 1024 * 1024;

export interface DisplayOptions {
  /** Put whole tables in outputs (up to {@link MAX_ARROW_BYTES}) instead of a preview: for notebooks that save full outputs. */
  fullTables: boolean;
  previewRows: number;
  /**
   * Whether a frontend can ask this kernel for more of a table than its output holds (the chalknb renderer can; a
   * Jupyter frontend cannot): only then is a displayed table held under a handle and the text says the grid fetches
   * the rest.
   */
  browsable: boolean;
}

const displayOptions: DisplayOptions = {
  fullTables: false,
  browsable: true,
  previewRows: positiveInt(process.env.CHALKNB_PREVIEW_ROWS) ?? DEFAULT_PREVIEW_ROWS,
};

export function setDisplayOptions(options: Partial<DisplayOptions>): void {
  if (options.fullTables !== undefined) displayOptions.fullTables = options.fullTables;
  if (options.browsable !== undefined) displayOptions.browsable = options.browsable;
  if (options.previewRows !== undefined) displayOptions.previewRows = Math.max(1, Math.floor(options.previewRows));
}

function positiveInt(text: string | undefined): number | undefined {
  const n = Number(text);
  return text && Number.isInteger(n) && n > 0 ? n : undefined;
}

type ArrowNs = Record<string, unknown>;

export interface Bundle {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/**
 * The bundle for a value. `arrow` is the kernel's apache-arrow namespace (undefined before it is loaded: tables are then
 * shown as text only). `raw` shows strings as they are (display) instead of quoted (execute_result).
 */
export function toMimeBundle(value: unknown, arrow: ArrowNs | undefined, options: { raw?: boolean } = {}): Bundle {
  const custom = (value as { [MIME_BUNDLE]?: unknown } | null | undefined)?.[MIME_BUNDLE];
  if (typeof custom === "function") {
    const data = (custom as () => MimeBundle).call(value);
    return { data: { "text/plain": inspect(value), ...data }, metadata: {} };
  }
  const table = asArrowTable(value, arrow);
  if (table && arrow) return tableBundle(table, arrow, isKind(value, arrow, "RecordBatch") ? "RecordBatch" : "Table");
  if (typeof value === "string" && options.raw) return { data: { "text/plain": value }, metadata: {} };
  return { data: { "text/plain": inspect(value, { depth: 4, maxArrayLength: 50, maxStringLength: 10_000, breakLength: 100 }) }, metadata: {} };
}

/** The bundle of a call's progress: the JSON the progress renderer draws, and a one-line text. */
export function progressBundle(progress: CallProgress): Bundle {
  return { data: { [PROGRESS_MIME]: progress, "text/plain": describeProgress(progress) }, metadata: {} };
}

function isKind(value: unknown, arrow: ArrowNs, name: "Table" | "RecordBatch"): boolean {
  const ctor = arrow[name] as (abstract new (...args: never[]) => unknown) | undefined;
  return ctor !== undefined && value instanceof ctor;
}

function asArrowTable(value: unknown, arrow: ArrowNs | undefined): TableLike | undefined {
  if (!arrow || value === null || typeof value !== "object") return undefined;
  if (isKind(value, arrow, "Table")) return value as TableLike;
  if (isKind(value, arrow, "RecordBatch")) {
    const TableCtor = arrow.Table as new (batch: unknown) => TableLike;
    return new TableCtor(value);
  }
  return undefined;
}

function tableBundle(table: TableLike, arrow: ArrowNs, kind: string): Bundle {
  const tableToIPC = arrow.tableToIPC as (t: unknown, type: "file") => Uint8Array;
  const slice = (t: TableLike, end: number): TableLike =>
    compactDictionaries((t as unknown as ArrowTable).slice(0, end), arrow as never) as unknown as TableLike;
  const handle = displayOptions.browsable ? holdTable(table) : undefined;
  const lazy = !displayOptions.fullTables && table.numRows > displayOptions.previewRows;
  let shown = lazy ? slice(table, displayOptions.previewRows) : table;
  const budget = lazy ? PREVIEW_MAX_BYTES : MAX_ARROW_BYTES;
  let bytes = tableToIPC(shown, "file");
  while (bytes.byteLength > budget && shown.numRows > 1) {
    const keep = Math.max(1, Math.floor(shown.numRows * (budget / bytes.byteLength) * 0.9));
    shown = slice(shown, keep);
    bytes = tableToIPC(shown, "file");
  }
  const truncated = shown.numRows < table.numRows;
  let text = previewTable(table, kind);
  if (truncated) {
    const rest = displayOptions.browsable
      ? "the grid fetches the rest from the kernel as you scroll"
      : "slice the table in a cell to see other rows";
    text += lazy
      ? `\n(the output holds the first ${shown.numRows} of ${table.numRows} rows; ${rest})`
      : `\n(the rich view holds the first ${shown.numRows} of ${table.numRows} rows: the whole table is over ${MAX_ARROW_BYTES} bytes)`;
  }
  const metadata: LazyTableMetadata = { numRows: shown.numRows, totalRows: table.numRows, truncated, handle };
  return {
    data: { [ARROW_MIME]: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"), "text/plain": text },
    metadata: { [ARROW_MIME]: metadata },
  };
}
