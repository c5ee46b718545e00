/**
 * Where the inspector's numbers come from. {@link LocalBackend}: the rows in the output item, the maths in a Worker
 * (embedding-client.ts). {@link KernelBackend}: a lazy table that stays in the kernel — coordinates, colours,
 * search, neighbours and the selection are computed there over every row (ops in kernel/table-ops/inspector.ts),
 * and only results cross to the webview (coordinates as float32 bytes, colour codes as one byte per row).
 */
import type { Table } from "apache-arrow";
import { EmbeddingClient } from "./embedding-client.js";
import type { KernelTableSource } from "./kernel-table-source.js";
import type { VectorColumn } from "./lib/arrow-vectors.js";
import { autoCodes, type ColorCodes, type ColorLegend } from "../maths/color-codes.js";
import type { Neighbor } from "../maths/nearest-by-cosine.js";
import { histogram, type Histogram } from "../maths/vector-stats.js";
import { formatValue } from "./lib/format.js";
import { searchLabels } from "./lib/text-search.js";

export type ProjectionMethod = "pca" | "umap";

export interface Projection {
  /** rows × 2 interleaved; NaN for rows without a vector. */
  xy: Float32Array;
  method: ProjectionMethod;
  /** PCA: the share of variance of PC1 and PC2. */
  explainedRatio?: number[];
  /** Rows the projection was fitted on (PCA) or laid out by UMAP itself (the rest placed by neighbours). */
  fittedRows: number;
  ms: number;
  worker: boolean;
}

export interface NormSummary {
  hist: Histogram;
  mean: number;
}

export interface InspectorBackend {
  readonly kind: "local" | "kernel";
  readonly rows: number;
  load(column: VectorColumn): Promise<NormSummary>;
  project(method: ProjectionMethod): Promise<Projection>;
  neighbours(row: number, k: number): Promise<Neighbor[]>;
  /** Colour codes of a column by its index in the table's schema. */
  colours(columnIndex: number): Promise<ColorCodes>;
  search(labelColumn: number, query: string): Promise<Uint32Array>;
  /** Labels of some rows (for rows the webview does not hold). */
  labels(labelColumn: number, rows: number[]): Promise<string[]>;
  /** Makes the rows the kernel's `selection`; resolves to what the kernel says, or null without a kernel. */
  select(rows: Uint32Array): Promise<{ numRows: number; variable: string } | null>;
  dispose(): void;
}

const NORM_BINS = 40;

export class LocalBackend implements InspectorBackend {
  readonly kind = "local";
  #client: EmbeddingClient | null = null;
  readonly #table: Table;
  readonly #allowWorker: boolean | undefined;

  constructor(table: Table, allowWorker?: boolean) {
    this.#table = table;
    this.#allowWorker = allowWorker;
  }

  get rows(): number {
    return this.#table.numRows;
  }

  async load(column: VectorColumn): Promise<NormSummary> {
    this.#client?.dispose();
    this.#client = new EmbeddingClient({ allowWorker: this.#allowWorker });
    const { matrix, rows, dim, valid } = column.pack();
    const res = await this.#client.request({ type: "load", matrix, rows, dim, valid });
    if (res.type !== "load") throw new Error(res.type === "error" ? res.message : res.type);
    return summarizeNorms(res.norms);
  }

  async project(method: ProjectionMethod): Promise<Projection> {
    const client = this.#needClient();
    const res = await client.request({ type: method });
    if (res.type === "pca") {
      return { xy: res.result.projection, method, explainedRatio: res.result.explainedRatio, fittedRows: res.result.fittedRows, ms: res.result.ms, worker: client.usesWorker };
    }
    if (res.type === "umap") return { xy: res.result.projection, method, fittedRows: res.result.sampleRows, ms: res.result.ms, worker: client.usesWorker };
    throw new Error(res.type === "error" ? res.message : res.type);
  }

  async neighbours(row: number, k: number): Promise<Neighbor[]> {
    const res = await this.#needClient().request({ type: "neighbors", query: row, k });
    if (res.type === "neighbors") return res.neighbors;
    throw new Error(res.type === "error" ? res.message : res.type);
  }

  async colours(columnIndex: number): Promise<ColorCodes> {
    const col = this.#table.getChildAt(columnIndex);
    if (!col) throw new Error(`no column ${columnIndex}`);
    return autoCodes((i) => col.get(i) as unknown, this.#table.numRows);
  }

  async search(labelColumn: number, query: string): Promise<Uint32Array> {
    const col = this.#table.getChildAt(labelColumn);
    if (!col) return new Uint32Array(0);
    return searchLabels((i) => {
      const v = col.get(i) as unknown;
      return v === null || v === undefined ? null : typeof v === "string" ? v : formatValue(v);
    }, this.#table.numRows, query);
  }

  async labels(labelColumn: number, rows: number[]): Promise<string[]> {
    const col = this.#table.getChildAt(labelColumn);
    return rows.map((r) => (col ? formatValue(col.get(r) as unknown, { maxLength: 300 }) : ""));
  }

  async select(): Promise<null> {
    return null;
  }

  dispose(): void {
    this.#client?.dispose();
  }

  #needClient(): EmbeddingClient {
    if (!this.#client) throw new Error("no vectors loaded");
    return this.#client;
  }
}

/** Shapes of the kernel ops' results (see kernel/table-ops/inspector.ts). */
interface ProjectResult {
  rows: number;
  method: ProjectionMethod;
  explainedRatio?: number[];
  fittedRows: number;
  ms: number;
  norms: { min: number; max: number; counts: number[]; skipped: number; mean: number };
}

export class KernelBackend implements InspectorBackend {
  readonly kind = "kernel";
  readonly #source: KernelTableSource;
  readonly #table: Table;
  #column = "";

  /** `table`: the preview the output item holds (its schema names the columns the kernel is asked about). */
  constructor(source: KernelTableSource, table: Table) {
    this.#source = source;
    this.#table = table;
  }

  get rows(): number {
    return this.#source.numRows;
  }

  async load(column: VectorColumn): Promise<NormSummary> {
    this.#column = column.name;
    const { result } = await this.#source.request<{ min: number; max: number; counts: number[]; skipped: number; mean: number }>("inspector.norms", { column: column.name, bins: NORM_BINS });
    const counts = Uint32Array.from(result.counts);
    return {
      hist: { min: result.min ?? NaN, max: result.max ?? NaN, binWidth: (result.max - result.min) / counts.length, counts, skipped: result.skipped },
      mean: result.mean ?? NaN,
    };
  }

  async project(method: ProjectionMethod): Promise<Projection> {
    const { result, ipc } = await this.#source.request<ProjectResult>("inspector.project", { column: this.#column, method });
    if (!ipc) throw new Error("the kernel sent no coordinates");
    return { xy: floats(ipc), method, explainedRatio: result.explainedRatio, fittedRows: result.fittedRows, ms: result.ms, worker: false };
  }

  async neighbours(row: number, k: number): Promise<Neighbor[]> {
    const { result } = await this.#source.request<Neighbor[]>("inspector.neighbours", { column: this.#column, row, k });
    return result;
  }

  async colours(columnIndex: number): Promise<ColorCodes> {
    const name = this.#table.schema.fields[columnIndex]?.name;
    const { result, ipc } = await this.#source.request<ColorLegend>("inspector.colours", { column: name });
    return { codes: ipc ?? new Uint8Array(this.rows), legend: result };
  }

  async search(labelColumn: number, query: string): Promise<Uint32Array> {
    const name = this.#table.schema.fields[labelColumn]?.name;
    if (!name || query.trim() === "") return new Uint32Array(0);
    const { ipc } = await this.#source.request<{ count: number }>("inspector.search", { column: name, query });
    return ipc ? uint32s(ipc) : new Uint32Array(0);
  }

  async labels(labelColumn: number, rows: number[]): Promise<string[]> {
    const name = this.#table.schema.fields[labelColumn]?.name;
    if (!name) return rows.map(() => "");
    const { result } = await this.#source.request<string[]>("inspector.labels", { column: name, rows });
    return result;
  }

  async select(rows: Uint32Array): Promise<{ numRows: number; variable: string }> {
    const { result } = await this.#source.request<{ numRows: number; variable: string }>("inspector.select", { rows: bytesToBase64(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)) });
    return result;
  }

  dispose(): void {}
}

export function summarizeNorms(norms: Float32Array): NormSummary {
  const hist = histogram(norms, NORM_BINS);
  let sum = 0;
  for (const x of norms) if (!Number.isNaN(x)) sum += x;
  const valid = norms.length - hist.skipped;
  return { hist, mean: valid > 0 ? sum / valid : NaN };
}

/** Bytes from the kernel are not always 4-byte aligned within their buffer: copy when they are not. */
function floats(b: Uint8Array): Float32Array {
  return b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2) : new Float32Array(b.slice().buffer);
}

function uint32s(b: Uint8Array): Uint32Array {
  return b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2) : new Uint32Array(b.slice().buffer);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
