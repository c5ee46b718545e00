import { isBinaryMime, isJsonMime, type KernelOutput, type MimeBundle } from "./messages.js";
import { limitSavedOutputs, type SavedOutputOptions } from "./saved-outputs.js";
import type { NotebookCell, NotebookExecution, NotebookFile, NotebookOutput, NotebookOutputItem } from "./notebook-model.js";

export type { NotebookCell, NotebookExecution, NotebookFile, NotebookOutput, NotebookOutputItem } from "./notebook-model.js";

export { DEFAULT_MAX_SAVED_OUTPUT_BYTES, SAVE_FULL_OUTPUTS_KEY, savesFullOutputs, type SavedOutputOptions } from "./saved-outputs.js";

/**
 * The `.chalknb` file format, shared by the headless runner and the VS Code extension (DESIGN.md, ".chalknb format").
 *
 * JSON with a fixed key order and 2-space indent, so diffs stay readable. Output item `data` is a string for text MIME
 * types, base64 for binary ones (e.g. Arrow IPC bytes), and a JSON value for JSON MIME types (`*+json`).
 * {@link parseNotebook} validates everything and throws {@link NotebookFormatError} naming the JSON path of the first
 * bad field; it never returns an empty notebook for bad input, so a caller can never save over a file it misread.
 *
 * @example
 * const nb = parseNotebook(await readFile("embeddings.chalknb", "utf8"));
 * nb.cells[0].outputs = toNotebookOutputs(result.outputs);
 * await writeFile("embeddings.chalknb", serializeNotebook(nb));
 */

export const NOTEBOOK_FORMAT = "chalknb";
/** The version this code reads and writes. */
export const NOTEBOOK_VERSION = 1;

/** VS Code's MIME types for stream and error outputs; used as-is so the extension maps outputs one to one. */
export const STDOUT_MIME = "application/vnd.code.notebook.stdout";
export const STDERR_MIME = "application/vnd.code.notebook.stderr";
/** `data` is a JSON string `{ "name", "message", "stack" }` (VS Code's error item). */
export const ERROR_MIME = "application/vnd.code.notebook.error";

/** A `.chalknb` text that does not parse or validate. `path` is the JSON path of the bad field, e.g. `$.cells[2].kind`. */
export class NotebookFormatError extends Error {
  readonly code = "CHALKNB_NOTEBOOK_FORMAT";
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "NotebookFormatError";
    this.path = path;
  }
}

/** A new, empty notebook. */
export function emptyNotebook(): NotebookFile {
  return { format: NOTEBOOK_FORMAT, version: NOTEBOOK_VERSION, metadata: {}, cells: [] };
}

/** Parses and validates `.chalknb` text. Throws {@link NotebookFormatError}; never returns an empty notebook for bad input. */
export function parseNotebook(text: string): NotebookFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError("$", `not valid JSON (${(error as Error).message})`);
  }
  return validateNotebook(value);
}

/** Validates an already parsed value; returns a normalised copy (known keys only, in canonical order). */
export function validateNotebook(value: unknown): NotebookFile {
  const root = expectObject(value, "$");
  if (root.format !== NOTEBOOK_FORMAT) {
    throw new NotebookFormatError("$.format", `expected "${NOTEBOOK_FORMAT}", got ${describe(root.format)}`);
  }
  if (root.version !== NOTEBOOK_VERSION) {
    throw new NotebookFormatError("$.version", `expected ${NOTEBOOK_VERSION} (the version this chalknb reads), got ${describe(root.version)}`);
  }
  const metadata = root.metadata === undefined ? {} : expectObject(root.metadata, "$.metadata");
  if (!Array.isArray(root.cells)) throw new NotebookFormatError("$.cells", `expected an array, got ${describe(root.cells)}`);
  const cells = root.cells.map((cell, i) => validateCell(cell, `$.cells[${i}]`));
  return { format: NOTEBOOK_FORMAT, version: NOTEBOOK_VERSION, metadata, cells };
}

function validateCell(value: unknown, path: string): NotebookCell {
  const c = expectObject(value, path);
  if (c.kind !== "code" && c.kind !== "markdown") {
    throw new NotebookFormatError(`${path}.kind`, `expected "code" or "markdown", got ${describe(c.kind)}`);
  }
  const source = expectString(c.source, `${path}.source`);
  const language = c.language === undefined ? (c.kind === "code" ? "typescript" : "markdown") : expectString(c.language, `${path}.language`);
  const cell: NotebookCell = { kind: c.kind, language, source, outputs: [] };
  if (c.outputs !== undefined) {
    if (!Array.isArray(c.outputs)) throw new NotebookFormatError(`${path}.outputs`, `expected an array, got ${describe(c.outputs)}`);
    cell.outputs = c.outputs.map((o, i) => validateOutput(o, `${path}.outputs[${i}]`));
  }
  if (c.metadata !== undefined) cell.metadata = expectObject(c.metadata, `${path}.metadata`);
  if (c.execution !== undefined && c.execution !== null) cell.execution = validateExecution(c.execution, `${path}.execution`);
  return cell;
}

function validateOutput(value: unknown, path: string): NotebookOutput {
  const o = expectObject(value, path);
  if (!Array.isArray(o.items)) throw new NotebookFormatError(`${path}.items`, `expected an array, got ${describe(o.items)}`);
  const items = o.items.map((item, i) => {
    const itemPath = `${path}.items[${i}]`;
    const it = expectObject(item, itemPath);
    const mime = expectString(it.mime, `${itemPath}.mime`);
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime)) throw new NotebookFormatError(`${itemPath}.mime`, `expected a MIME type such as "text/plain", got ${describe(mime)}`);
    if (it.data === undefined) throw new NotebookFormatError(`${itemPath}.data`, "missing");
    if (!isJsonMime(mime)) {
      const data = expectString(it.data, `${itemPath}.data`);
      if (isBinaryMime(mime) && !isBase64(data)) {
        throw new NotebookFormatError(`${itemPath}.data`, `expected base64 for binary MIME type ${mime}`);
      }
    }
    return { mime, data: it.data };
  });
  const output: NotebookOutput = { items };
  if (o.metadata !== undefined) output.metadata = expectObject(o.metadata, `${path}.metadata`);
  return output;
}

function validateExecution(value: unknown, path: string): NotebookExecution {
  const e = expectObject(value, path);
  const count = e.executionCount ?? null;
  if (count !== null && (typeof count !== "number" || !Number.isInteger(count) || count < 0)) {
    throw new NotebookFormatError(`${path}.executionCount`, `expected a non-negative integer or null, got ${describe(count)}`);
  }
  const success = e.success ?? null;
  if (success !== null && typeof success !== "boolean") throw new NotebookFormatError(`${path}.success`, `expected a boolean or null, got ${describe(success)}`);
  const execution: NotebookExecution = { executionCount: count as number | null, success: success as boolean | null };
  for (const key of ["startedAt", "endedAt"] as const) {
    if (e[key] === undefined) continue;
    if (typeof e[key] !== "number" || !Number.isFinite(e[key])) throw new NotebookFormatError(`${path}.${key}`, `expected epoch milliseconds, got ${describe(e[key])}`);
    execution[key] = e[key] as number;
  }
  return execution;
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NotebookFormatError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function expectString(value: unknown, path: string): string {
  if (typeof value !== "string") throw new NotebookFormatError(path, `expected a string, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
}

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

// ---- writing ----------------------------------------------------------------------------------------------------

/**
 * Canonical text: validated, known keys in a fixed order, metadata keys sorted, 2-space indent, final newline.
 * Outputs follow the save rule ({@link limitSavedOutputs}): over `maxOutputBytes` (default 1 MiB) an output keeps a
 * preview with its true row count, unless the notebook's metadata has `"saveFullOutputs": true`.
 */
export function serializeNotebook(notebook: NotebookFile, options: SavedOutputOptions = {}): string {
  const nb = limitSavedOutputs(validateNotebook(notebook), options);
  const ordered = {
    format: nb.format,
    version: nb.version,
    metadata: sortKeys(nb.metadata),
    cells: nb.cells.map((c) => {
      const cell: Record<string, unknown> = { kind: c.kind, language: c.language, source: c.source };
      if (c.metadata && Object.keys(c.metadata).length > 0) cell.metadata = sortKeys(c.metadata);
      if (c.execution) {
        const e = c.execution;
        cell.execution = {
          executionCount: e.executionCount,
          success: e.success,
          ...(e.startedAt !== undefined ? { startedAt: e.startedAt } : {}),
          ...(e.endedAt !== undefined ? { endedAt: e.endedAt } : {}),
        };
      }
      cell.outputs = c.outputs.map((o) => {
        const output: Record<string, unknown> = { items: o.items.map((it) => ({ mime: it.mime, data: isJsonMime(it.mime) ? sortKeys(it.data) : it.data })) };
        if (o.metadata && Object.keys(o.metadata).length > 0) output.metadata = sortKeys(o.metadata);
        return output;
      });
      return cell;
    }),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v)) as T;
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out as T;
}

// ---- kernel outputs → file outputs ------------------------------------------------------------------------------

/** Rich MIME types first, `text/plain` last, so a frontend picks the richest item it can render. */
function itemsFromBundle(data: MimeBundle): NotebookOutputItem[] {
  const rank = (mime: string) => (mime === "text/plain" ? 2 : mime.startsWith("text/") ? 1 : 0);
  return Object.keys(data)
    .filter((mime) => data[mime] !== undefined && data[mime] !== null)
    .sort((a, b) => rank(a) - rank(b))
    .map((mime) => {
      const value = data[mime];
      if (isJsonMime(mime)) return { mime, data: typeof value === "string" ? safeJson(value) : value };
      return { mime, data: Array.isArray(value) ? value.join("") : String(value) };
    });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A cell's kernel outputs (as `ExecuteResult.outputs` holds them) in the file's shape. */
export function toNotebookOutputs(outputs: readonly KernelOutput[]): NotebookOutput[] {
  const result: NotebookOutput[] = [];
  for (const o of outputs) {
    switch (o.output_type) {
      case "stream":
        result.push({ items: [{ mime: o.name === "stdout" ? STDOUT_MIME : STDERR_MIME, data: o.text }], metadata: { outputType: "stream" } });
        break;
      case "display_data":
        // The bundle's metadata (e.g. a table's true row count) is kept, as VS Code keeps it on the output.
        result.push({ items: itemsFromBundle(o.data), metadata: { ...o.metadata, outputType: "display_data" } });
        break;
      case "execute_result":
        result.push({ items: itemsFromBundle(o.data), metadata: { ...o.metadata, outputType: "execute_result" } });
        break;
      case "error":
        result.push({
          items: [{ mime: ERROR_MIME, data: JSON.stringify({ name: o.ename, message: o.evalue, stack: o.traceback.join("\n") }) }],
          metadata: { outputType: "error" },
        });
        break;
      default:
        break;
    }
  }
  return result;
}

/** The text a terminal shows for an output (the runner prints these). */
export function outputText(output: NotebookOutput): string | undefined {
  const stream = output.items.find((it) => it.mime === STDOUT_MIME || it.mime === STDERR_MIME);
  if (stream) return String(stream.data);
  const error = output.items.find((it) => it.mime === ERROR_MIME);
  if (error) {
    const e = safeJson(String(error.data)) as { name?: string; message?: string; stack?: string };
    return e.stack ?? `${e.name}: ${e.message}`;
  }
  const text = output.items.find((it) => it.mime === "text/plain");
  return text === undefined ? undefined : String(text.data);
}
