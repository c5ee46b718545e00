import * as arrow from "apache-arrow";
import { compactDictionaries } from "./table-ops/compact.js";
import { ARROW_MIME } from "../protocol/progress.js";
import { isJsonMime } from "./messages.js";
import type { NotebookFile, NotebookOutput, NotebookOutputItem } from "./notebook-model.js";

/**
 * What a saved notebook keeps of its outputs — the one rule `chalknb run` and the VS Code serializer share, so a
 * notebook stays small and diffs cleanly:
 * - an output over `maxOutputBytes` keeps a preview: an Arrow table its first rows (as many as fit), with the true row
 *   count in its metadata ("preview of 1,000 of 300,000 rows"); text is cut with a note; other large items are
 *   dropped when the output has a text fallback;
 * - a table handle (valid only in the kernel process that made it) is never saved;
 * - a notebook whose metadata says `"saveFullOutputs": true` keeps every output whole.
 */

/** Default per-output limit (setting `chalknb.maxSavedOutputBytes`, `chalknb run --max-saved-output-bytes`). */
export const DEFAULT_MAX_SAVED_OUTPUT_BYTES = 1024 * 1024;

/** The notebook metadata key that opts in to saving outputs whole. */
export const SAVE_FULL_OUTPUTS_KEY = "saveFullOutputs";

export interface SavedOutputOptions {
  /** Most bytes of one output in the file (its items' data as stored: base64, text or JSON). */
  maxOutputBytes?: number;
}

/** True when the notebook asks for whole outputs in its file. */
export function savesFullOutputs(notebook: Pick<NotebookFile, "metadata">): boolean {
  return notebook.metadata?.[SAVE_FULL_OUTPUTS_KEY] === true;
}

/** The notebook as it is saved: outputs over the limit replaced by previews (a new object; the input is unchanged). */
export function limitSavedOutputs(notebook: NotebookFile, options: SavedOutputOptions = {}): NotebookFile {
  const limit = Math.max(1024, options.maxOutputBytes ?? DEFAULT_MAX_SAVED_OUTPUT_BYTES);
  const full = savesFullOutputs(notebook);
  return {
    ...notebook,
    cells: notebook.cells.map((cell) => ({
      ...cell,
      outputs: cell.outputs.map((o) => {
        const output = withoutHandle(o);
        return full || outputBytes(output) <= limit ? output : previewOutput(output, limit);
      }),
    })),
  };
}

/** Bytes an item's data takes in the file. */
function itemBytes(item: NotebookOutputItem): number {
  if (typeof item.data === "string") return item.data.length;
  return JSON.stringify(item.data ?? null).length;
}

function outputBytes(output: NotebookOutput): number {
  return output.items.reduce((sum, it) => sum + itemBytes(it), 0);
}

interface ArrowMeta {
  numRows?: number;
  totalRows?: number;
  truncated?: boolean;
  handle?: string;
  [key: string]: unknown;
}

function withoutHandle(output: NotebookOutput): NotebookOutput {
  const meta = output.metadata?.[ARROW_MIME] as ArrowMeta | undefined;
  if (!meta || meta.handle === undefined) return output;
  const { handle: _handle, ...rest } = meta;
  return { ...output, metadata: { ...output.metadata, [ARROW_MIME]: rest } };
}

function previewOutput(output: NotebookOutput, limit: number): NotebookOutput {
  const arrowIndex = output.items.findIndex((it) => it.mime === ARROW_MIME && typeof it.data === "string");
  const others = output.items.filter((_, i) => i !== arrowIndex);
  const hasText = others.some((it) => it.mime === "text/plain");
  // Text first (it is what every frontend can show), then whatever room is left for the table's preview.
  const kept: NotebookOutputItem[] = [];
  let room = limit;
  for (const item of others) {
    const bytes = itemBytes(item);
    if (bytes <= room) {
      kept.push(item);
      room -= bytes;
    } else if (typeof item.data === "string" && !isJsonMime(item.mime) && (item.mime.startsWith("text/") || item.mime.startsWith("application/vnd.code.notebook."))) {
      const note = `\n… cut to ${room} bytes when saved (outputs over ${limit} bytes are saved in part: setting chalknb.maxSavedOutputBytes, or "${SAVE_FULL_OUTPUTS_KEY}": true in the notebook's metadata)\n`;
      const cut = Math.max(0, room - note.length);
      kept.push({ mime: item.mime, data: item.data.slice(0, cut) + note });
      room -= Math.min(room, cut + note.length);
    } else if (!hasText) {
      kept.push({ mime: "text/plain", data: `(a ${item.mime} output of ${bytes} bytes was not saved: over the ${limit}-byte limit for saved outputs)` });
    }
  }
  if (arrowIndex < 0) return { ...output, items: kept };
  const arrowItem = output.items[arrowIndex]!;
  const meta = (output.metadata?.[ARROW_MIME] ?? {}) as ArrowMeta;
  const preview = arrowPreview(String(arrowItem.data), meta, room);
  if (!preview) return { ...output, items: kept };
  return {
    ...output,
    items: [preview.item, ...kept],
    metadata: { ...output.metadata, [ARROW_MIME]: preview.meta },
  };
}

/** The table's first rows that fit in `room` bytes of base64, with the true row count; undefined when none fit. */
function arrowPreview(base64: string, meta: ArrowMeta, room: number): { item: NotebookOutputItem; meta: ArrowMeta } | undefined {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(Buffer.from(base64, "base64"));
  } catch {
    return undefined; // not readable Arrow: drop it rather than save bytes nobody can open
  }
  const totalRows = Math.max(meta.totalRows ?? 0, table.numRows);
  let rows = table.numRows;
  let data = base64;
  while (data.length > room && rows > 0) {
    rows = Math.max(0, Math.min(rows - 1, Math.floor(rows * (room / data.length) * 0.95)));
    const bytes = arrow.tableToIPC(compactDictionaries(table.slice(0, rows), arrow), "file");
    data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  }
  if (data.length > room) return undefined;
  const { handle: _handle, ...rest } = meta;
  return { item: { mime: ARROW_MIME, data }, meta: { ...rest, numRows: rows, totalRows, truncated: rows < totalRows, saved: "preview" } };
}
