import { stripVTControlCharacters } from "node:util";
import type { KernelOutput, MimeBundle } from "./messages.js";
import { isBinaryMime } from "./messages.js";
import { NOTEBOOK_FORMAT, NOTEBOOK_VERSION, toNotebookOutputs, validateNotebook, type NotebookCell, type NotebookFile } from "./notebook-format.js";

/**
 * Jupyter nbformat 4 → `.chalknb`, for `chalknb import` (the other way is `kernel/ipynb-export.ts`): TypeScript and
 * JavaScript notebooks, e.g. from tslab or `deno jupyter`, become chalknb notebooks with their outputs. Outputs go
 * through the same mapping the kernel's own outputs do (`toNotebookOutputs`), so both read the same afterwards.
 */

export class IpynbImportError extends Error {
  readonly code = "CHALKNB_IPYNB_IMPORT";
  constructor(message: string) {
    super(message);
    this.name = "IpynbImportError";
  }
}

export interface ImportResult {
  notebook: NotebookFile;
  /** The notebook's language as it declared it (`typescript` or `javascript`). */
  language: string;
  /** Cells that use what only the original kernel had (Deno APIs, npm:/jsr: imports, tslab magics), by index. */
  warnings: string[];
}

type IpynbCell = { cell_type?: unknown; source?: unknown; outputs?: unknown; metadata?: unknown; execution_count?: unknown };

const LANGUAGES = new Set(["typescript", "javascript"]);

/** Converts a parsed `.ipynb`. Throws {@link IpynbImportError} naming what was expected and what came. */
export function fromIpynb(value: unknown): ImportResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new IpynbImportError("expected a Jupyter notebook (a JSON object)");
  const nb = value as { nbformat?: unknown; metadata?: Record<string, unknown>; cells?: unknown };
  if (nb.nbformat !== 4) throw new IpynbImportError(`expected nbformat 4, got ${JSON.stringify(nb.nbformat ?? null)} (convert older notebooks with \`jupyter nbconvert --to notebook\`)`);
  if (!Array.isArray(nb.cells)) throw new IpynbImportError("expected a `cells` array");
  const metadata = { ...(nb.metadata ?? {}) };
  const kernelspec = metadata.kernelspec as { language?: unknown; name?: unknown } | undefined;
  const languageInfo = metadata.language_info as { name?: unknown } | undefined;
  const language = String(kernelspec?.language ?? languageInfo?.name ?? "").toLowerCase();
  if (!LANGUAGES.has(language)) {
    throw new IpynbImportError(`expected a TypeScript or JavaScript notebook, got ${language ? `language "${language}"` : "no kernelspec language"}`);
  }
  delete metadata.kernelspec;
  delete metadata.language_info;
  const warnings: string[] = [];
  const cells = nb.cells.map((raw, index) => {
    const cell = raw as IpynbCell;
    const source = joinLines(cell.source);
    const cellMetadata = isObject(cell.metadata) ? cell.metadata : undefined;
    if (cell.cell_type === "markdown" || cell.cell_type === "raw") {
      // A raw cell has no chalknb counterpart: kept as text in a markdown cell rather than dropped.
      const text = cell.cell_type === "raw" ? "```\n" + source + "\n```" : source;
      return { kind: "markdown", language: "markdown", source: text, outputs: [], ...(cellMetadata ? { metadata: cellMetadata } : {}) } satisfies NotebookCell;
    }
    if (cell.cell_type !== "code") throw new IpynbImportError(`cells[${index}]: expected cell_type code, markdown or raw, got ${JSON.stringify(cell.cell_type)}`);
    const note = portabilityNote(source);
    if (note) warnings.push(`cell ${index + 1}: ${note}`);
    const outputs = (Array.isArray(cell.outputs) ? cell.outputs : []).flatMap((o) => toKernelOutput(o as Record<string, unknown>));
    const count = typeof cell.execution_count === "number" ? cell.execution_count : null;
    const converted: NotebookCell = {
      kind: "code",
      // JavaScript is TypeScript to the cell compiler; one language keeps the editor and type checker on every cell.
      language: "typescript",
      source,
      outputs: toNotebookOutputs(outputs),
      ...(cellMetadata ? { metadata: cellMetadata } : {}),
    };
    if (count !== null) converted.execution = { executionCount: count, success: !outputs.some((o) => o.output_type === "error") };
    return converted;
  });
  const notebook = validateNotebook({ format: NOTEBOOK_FORMAT, version: NOTEBOOK_VERSION, metadata, cells });
  return { notebook, language, warnings };
}

function toKernelOutput(o: Record<string, unknown>): KernelOutput[] {
  switch (o.output_type) {
    case "stream":
      return [{ output_type: "stream", name: o.name === "stderr" ? "stderr" : "stdout", text: joinLines(o.text) }];
    case "display_data":
      return [{ output_type: "display_data", data: bundle(o.data), metadata: isObject(o.metadata) ? o.metadata : {} }];
    case "execute_result":
      return [{ output_type: "execute_result", execution_count: typeof o.execution_count === "number" ? o.execution_count : 0, data: bundle(o.data), metadata: isObject(o.metadata) ? o.metadata : {} }];
    case "error":
      return [{
        output_type: "error",
        ename: String(o.ename ?? "Error"),
        evalue: String(o.evalue ?? ""),
        traceback: (Array.isArray(o.traceback) ? o.traceback : []).map((line) => stripVTControlCharacters(String(line))),
      }];
    default:
      return [];
  }
}

/** nbformat's multi-line strings (arrays of lines) joined; binary items lose the line breaks nbformat allows in base64. */
function bundle(data: unknown): MimeBundle {
  const out: MimeBundle = {};
  if (!isObject(data)) return out;
  for (const [mime, value] of Object.entries(data)) {
    const joined = Array.isArray(value) ? value.join("") : value;
    out[mime] = typeof joined === "string" && isBinaryMime(mime) ? joined.replace(/\s+/g, "") : joined;
  }
  return out;
}

function portabilityNote(source: string): string | undefined {
  if (/\bDeno\./.test(source)) return "uses the Deno namespace (Deno.*), which Node does not have";
  if (/from\s+["'](?:npm|jsr):/.test(source) || /import\(\s*["'](?:npm|jsr):/.test(source)) return "imports npm:/jsr: specifiers (Deno); install the package next to the notebook and import it by name";
  if (/^\s*%%?\w+/m.test(source)) return "has a tslab magic (%...) line, which chalknb does not run";
  return undefined;
}

function joinLines(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join("");
  return typeof value === "string" ? value : "";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
