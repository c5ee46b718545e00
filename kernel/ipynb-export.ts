import { isBinaryMime, isJsonMime } from "./messages.js";
import { ERROR_MIME, STDERR_MIME, STDOUT_MIME, type NotebookFile, type NotebookOutput } from "./notebook-format.js";

/**
 * `.chalknb` → Jupyter nbformat 4.5 (https://nbformat.readthedocs.io/en/latest/format_description.html), for
 * `chalknb export --to ipynb`: code and markdown cells with ids, outputs with their MIME bundles (binary data stays
 * base64, as nbformat stores it), multi-line strings split into line arrays as Jupyter writes them.
 */

export interface IpynbNotebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, unknown>;
  cells: Record<string, unknown>[];
}

export function toIpynb(notebook: NotebookFile): IpynbNotebook {
  const cells = notebook.cells.map((cell, index) => {
    const id = `cell-${index + 1}`;
    const metadata = cell.metadata ?? {};
    if (cell.kind === "markdown") return { cell_type: "markdown", id, metadata, source: lines(cell.source) };
    const executionCount = cell.execution?.executionCount ?? null;
    return {
      cell_type: "code",
      execution_count: executionCount,
      id,
      metadata,
      outputs: cell.outputs.map((o) => toIpynbOutput(o, executionCount)),
      source: lines(cell.source),
    };
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      ...notebook.metadata,
      kernelspec: { name: "chalknb", display_name: "TypeScript (chalknb)", language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    cells,
  };
}

function toIpynbOutput(output: NotebookOutput, executionCount: number | null): Record<string, unknown> {
  const stream = output.items.find((it) => it.mime === STDOUT_MIME || it.mime === STDERR_MIME);
  if (stream) {
    return { output_type: "stream", name: stream.mime === STDOUT_MIME ? "stdout" : "stderr", text: lines(String(stream.data)) };
  }
  const error = output.items.find((it) => it.mime === ERROR_MIME);
  if (error) {
    let e: { name?: string; message?: string; stack?: string } = {};
    try {
      e = JSON.parse(String(error.data)) as typeof e;
    } catch {
      e = { name: "Error", message: String(error.data) };
    }
    return {
      output_type: "error",
      ename: e.name ?? "Error",
      evalue: e.message ?? "",
      traceback: (e.stack ?? `${e.name}: ${e.message}`).split("\n"),
    };
  }
  const data: Record<string, unknown> = {};
  for (const item of output.items) {
    if (isJsonMime(item.mime)) data[item.mime] = item.data;
    else if (isBinaryMime(item.mime)) data[item.mime] = String(item.data);
    else data[item.mime] = lines(String(item.data));
  }
  const isResult = output.metadata?.outputType === "execute_result" && executionCount !== null;
  return isResult
    ? { output_type: "execute_result", data, execution_count: executionCount, metadata: {} }
    : { output_type: "display_data", data, metadata: {} };
}

/** Jupyter's multi-line string: lines that keep their `\n`, last one without. */
function lines(text: string): string[] {
  if (text === "") return [];
  const parts = text.split("\n");
  return parts.map((line, i) => (i < parts.length - 1 ? `${line}\n` : line)).filter((line) => line !== "");
}
