/**
 * Kernel outputs (Jupyter-shaped, see kernel/messages.ts) to VS Code notebook output items and back.
 * Binary MIME types travel as base64 from the kernel; rich items come first and `text/plain` last, so VS Code picks
 * our renderer and falls back to text where it is missing.
 */
import * as vscode from "vscode";
import { isBinaryMime, isJsonMime, type ErrorContent, type MimeBundle } from "../kernel/messages.js";

const PREFERRED = ["application/vnd.chalknb.progress+json", "application/vnd.apache.arrow.file"];

export function bundleToItems(data: MimeBundle): vscode.NotebookCellOutputItem[] {
  const mimes = Object.keys(data).sort((a, b) => rank(a) - rank(b));
  const items: vscode.NotebookCellOutputItem[] = [];
  for (const mime of mimes) {
    const value = data[mime];
    if (value === undefined || value === null) continue;
    if (isJsonMime(mime)) {
      items.push(vscode.NotebookCellOutputItem.json(typeof value === "string" ? JSON.parse(value) : value, mime));
    } else if (isBinaryMime(mime)) {
      const bytes = typeof value === "string" ? Buffer.from(value, "base64") : value instanceof Uint8Array ? value : Buffer.from(String(value));
      items.push(new vscode.NotebookCellOutputItem(bytes, mime));
    } else {
      items.push(vscode.NotebookCellOutputItem.text(Array.isArray(value) ? value.join("") : String(value), mime));
    }
  }
  return items;
}

function rank(mime: string): number {
  const i = PREFERRED.indexOf(mime);
  if (i >= 0) return i;
  if (mime === "text/plain") return 100;
  return 50;
}

export function errorItem(e: ErrorContent): vscode.NotebookCellOutputItem {
  const err = new Error(e.evalue);
  err.name = e.ename;
  // VS Code shows `stack` when present; the kernel's traceback is already mapped to the cell's lines.
  err.stack = e.traceback.length ? e.traceback.join("\n") : `${e.ename}: ${e.evalue}`;
  return vscode.NotebookCellOutputItem.error(err);
}

/** A notebook-level message shown as a cell error (kernel failed to start, untrusted workspace, …). */
export function messageError(name: string, message: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([errorItem({ ename: name, evalue: message, traceback: [] })]);
}
