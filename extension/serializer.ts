/**
 * `.chalknb` ⇄ VS Code NotebookData through the shared format module (kernel/notebook-format.ts).
 *
 * A file that does not parse is an error, never an empty notebook: `deserializeNotebook` throws, so VS Code shows the
 * error in place of the editor, no document is created, and nothing can save over the file. (The notebook serializer
 * sample swallows bad JSON and returns no cells, so the next save wipes the file — the opposite of what we want.)
 */
import * as vscode from "vscode";
import { readSettings } from "./settings.js";
import { isBinaryMime, isJsonMime } from "../kernel/messages.js";
import { emptyNotebook, parseNotebook, serializeNotebook, type NotebookFile, type NotebookCell as FileCell } from "../kernel/notebook-format.js";

export class ChalknbSerializer implements vscode.NotebookSerializer {
  readonly #onError: (message: string) => void;

  constructor(onError: (message: string) => void = (m) => void vscode.window.showErrorMessage(m)) {
    this.#onError = onError;
  }

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const text = new TextDecoder().decode(content);
    let file: NotebookFile;
    try {
      // An empty file is a new notebook (VS Code creates one for "New File…"); anything else must parse.
      file = text.trim() === "" ? emptyNotebook() : parseNotebook(text);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const message = `This .chalknb file could not be opened: ${reason}. It was left unchanged on disk; fix it in a text editor (Reopen Editor With… › Text Editor).`;
      this.#onError(message);
      throw new Error(message);
    }
    return toNotebookData(file);
  }

  /** Outputs over `chalknb.maxSavedOutputBytes` are saved as their preview (the rule `chalknb run` applies too). */
  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    return new TextEncoder().encode(serializeNotebook(fromNotebookData(data), { maxOutputBytes: readSettings().maxSavedOutputBytes }));
  }
}

export function toNotebookData(file: NotebookFile): vscode.NotebookData {
  const cells = file.cells.map((c: FileCell) => {
    const kind = c.kind === "markdown" ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code;
    const cell = new vscode.NotebookCellData(kind, c.source, c.kind === "markdown" ? "markdown" : c.language || "typescript");
    cell.outputs = (c.outputs ?? []).map((o) => new vscode.NotebookCellOutput(
      o.items.map((it) => new vscode.NotebookCellOutputItem(decodeItem(it.mime, it.data), it.mime)),
      o.metadata,
    ));
    if (c.metadata) cell.metadata = c.metadata;
    const ex = c.execution;
    if (ex) {
      cell.executionSummary = {
        executionOrder: ex.executionCount ?? undefined,
        success: ex.success ?? undefined,
        timing: ex.startedAt !== undefined && ex.endedAt !== undefined ? { startTime: ex.startedAt, endTime: ex.endedAt } : undefined,
      };
    }
    return cell;
  });
  const data = new vscode.NotebookData(cells);
  data.metadata = file.metadata ?? {};
  return data;
}

export function fromNotebookData(data: vscode.NotebookData): NotebookFile {
  const cells = data.cells.map((c) => {
    const markdown = c.kind === vscode.NotebookCellKind.Markup;
    const cell: FileCell = {
      kind: markdown ? "markdown" : "code",
      language: markdown ? "markdown" : c.languageId || "typescript",
      source: c.value,
      outputs: markdown ? [] : (c.outputs ?? []).map((o) => ({
        items: o.items.map((it) => ({ mime: it.mime, data: encodeItem(it.mime, it.data) })),
        ...(o.metadata && Object.keys(o.metadata).length ? { metadata: o.metadata } : {}),
      })),
    };
    if (c.metadata && Object.keys(c.metadata).length) cell.metadata = c.metadata;
    const s = c.executionSummary;
    if (!markdown && s && (s.executionOrder !== undefined || s.success !== undefined)) {
      cell.execution = {
        executionCount: s.executionOrder ?? null,
        success: s.success ?? null,
        ...(s.timing ? { startedAt: s.timing.startTime, endedAt: s.timing.endTime } : {}),
      };
    }
    return cell;
  });
  return { ...emptyNotebook(), metadata: data.metadata ?? {}, cells };
}

/** Stored item data → bytes: base64 for binary MIME types, JSON values re-encoded, text as UTF-8. */
function decodeItem(mime: string, data: unknown): Uint8Array {
  if (isJsonMime(mime) && typeof data !== "string") return new TextEncoder().encode(JSON.stringify(data));
  if (typeof data !== "string") return new TextEncoder().encode(JSON.stringify(data));
  return isBinaryMime(mime) && !isErrorOrStream(mime) ? Buffer.from(data, "base64") : new TextEncoder().encode(data);
}

function encodeItem(mime: string, bytes: Uint8Array): unknown {
  if (isJsonMime(mime)) {
    const text = new TextDecoder().decode(bytes);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (isBinaryMime(mime) && !isErrorOrStream(mime)) return Buffer.from(bytes).toString("base64");
  return new TextDecoder().decode(bytes);
}

/** VS Code's own stream and error MIME types carry text. */
function isErrorOrStream(mime: string): boolean {
  return mime.startsWith("application/vnd.code.notebook.");
}
