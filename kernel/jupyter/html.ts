import { ARROW_MIME, PROGRESS_MIME, type CallProgress } from "../../protocol/progress.js";
import type { MimeBundle } from "../messages.js";
import { describeProgress, formatCell, type TableLike } from "../text-preview.js";

/**
 * `text/html` for frontends without our renderer (JupyterLab, nbconvert, GitHub's notebook view): an Arrow table's
 * first rows, a call's progress bar. Every value is escaped (DESIGN.md: HTML is never built from unescaped data).
 */

/** Rows shown in an Arrow table's HTML preview. @default 10 */
export const HTML_PREVIEW_ROWS = 10;

type ArrowNs = Record<string, unknown>;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The bundle with `text/html` added where we know how to draw its rich item; the bundle itself when not. */
export function withHtml(data: MimeBundle, arrow: ArrowNs | undefined): MimeBundle {
  if (data["text/html"] !== undefined) return data;
  const progress = data[PROGRESS_MIME] as CallProgress | undefined;
  if (progress && typeof progress === "object") return { ...data, "text/html": progressHtml(progress) };
  const arrowB64 = data[ARROW_MIME];
  if (typeof arrowB64 === "string" && arrow) {
    const tableFromIPC = arrow.tableFromIPC as (bytes: Uint8Array) => TableLike;
    return { ...data, "text/html": tableHtml(tableFromIPC(Buffer.from(arrowB64, "base64"))) };
  }
  return data;
}

export function tableHtml(table: TableLike, rows = HTML_PREVIEW_ROWS): string {
  const fields = table.schema.fields;
  const shown = Math.min(rows, table.numRows);
  const head = fields.map((f) => `<th title="${escapeHtml(String(f.type))}">${escapeHtml(f.name)}</th>`).join("");
  const body: string[] = [];
  for (let row = 0; row < shown; row++) {
    body.push(`<tr>${fields.map((_, col) => `<td>${escapeHtml(formatCell(table.getChildAt(col)?.get(row)))}</td>`).join("")}</tr>`);
  }
  const caption = `${table.numRows} ${table.numRows === 1 ? "row" : "rows"} × ${fields.length} ${fields.length === 1 ? "column" : "columns"}` +
    (table.numRows > shown ? ` (first ${shown} shown)` : "");
  return `<table class="chalknb-arrow"><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body.join("")}</tbody></table>`;
}

export function progressHtml(p: CallProgress): string {
  const max = Math.max(1, p.totalRows);
  return `<div class="chalknb-progress"><progress value="${Math.min(p.rowsDone, max)}" max="${max}"></progress> <span>${escapeHtml(describeProgress(p))}</span></div>`;
}
