/**
 * Rows of a table that stays in the kernel, for the grid: fixed-size blocks fetched by row window as the grid scrolls
 * (the output's preview fills the first blocks, so the first rows show at once), through the current sorted or
 * filtered view, which the kernel computes (also a view of chosen rows only: the inspector's selection). A failed request (a kernel that is gone) is reported once and not retried.
 */
import { tableFromIPC } from "apache-arrow/ipc/serialization";
import type { Table, Vector } from "apache-arrow";
import { findVectorColumns, type VectorColumn } from "./arrow-vectors.js";

/** What this needs of a KernelTableSource (webview/kernel-table-source.ts), so it runs in Node tests as well. */
export interface TableSourceLike {
  readonly numRows: number;
  request<T = unknown>(op: string, args?: unknown): Promise<{ result: T; ipc?: Uint8Array }>;
}

/** Most rows per request (narrow rows). */
export const BLOCK_ROWS = 256;
/** Fewest rows per request (very wide rows). */
const MIN_BLOCK_ROWS = 32;
/**
 * About this many bytes per request: a block of wide rows (512-d vectors are 2 KiB a row) is decoded well within a
 * frame, so a scroll does not stall on an arriving block.
 */
const BLOCK_BYTES = 256 * 1024;
/** Blocks kept; older ones are fetched again if the grid comes back to them. */
const MAX_BLOCKS = 64;
/** Requests in flight at once; a fast scroll asks only for where it stopped. */
const MAX_IN_FLIGHT = 3;

export interface RowAccess {
  /** The row in the kernel's table (its number in the table's own order). */
  dataRow: number;
  value(col: number): unknown;
  vector(col: number): Float32Array | null;
}

interface Block {
  start: number;
  length: number;
  rowIndex: ArrayLike<number> | null;
  columns: (Vector | null)[];
  vectors: Map<number, VectorColumn>;
}

export interface LazyRowsHooks {
  /** New rows arrived: draw again. */
  onRows(): void;
  /** A request failed: show the message (the grid keeps what it has). */
  onError(message: string, code: string): void;
}

export interface ViewState {
  sort: { column: string; descending: boolean } | null;
  filter: string | null;
  /** Only these table rows (the kernel shows them in row order, then filters and sorts within them). */
  rows?: ArrayLike<number> | null;
}

/** Row numbers as base64 of little-endian uint32s, the form the kernel's "view" op reads. */
export function rowsToBase64(rows: ArrayLike<number>): string {
  const bytes = new Uint8Array(Uint32Array.from(rows).buffer);
  let s = "";
  // In slices: String.fromCharCode with a spread of a whole large selection overflows the argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export class LazyRows {
  #numRows: number;
  #generation = 0;
  #view: string | undefined;
  readonly #blocks = new Map<number, Block>();
  readonly #loading = new Set<number>();
  #wanted: number[] = [];
  #inFlight = 0;
  #failed: string | null = null;
  state: ViewState = { sort: null, filter: null };
  /** Rows per block, from the width of a row: {@link BLOCK_ROWS} for narrow rows, fewer for long vectors. */
  readonly blockRows: number;

  constructor(
    readonly source: TableSourceLike,
    private readonly preview: Table,
    private readonly hooks: LazyRowsHooks,
  ) {
    this.#numRows = source.numRows;
    const rowBytes = preview.schema.fields.length * 16 + findVectorColumns(preview).reduce((sum, c) => sum + c.dim * 4, 0);
    this.blockRows = Math.max(MIN_BLOCK_ROWS, Math.min(BLOCK_ROWS, Math.floor(BLOCK_BYTES / rowBytes)));
    this.#seedFromPreview();
  }

  /** Rows in the current view (the table's, or the filter's). */
  get numRows(): number {
    return this.#numRows;
  }

  /** The message of the request that failed, if one did (no more are sent until the view changes). */
  get failure(): string | null {
    return this.#failed;
  }

  /** Asks for the blocks covering view rows [first, end), dropping earlier asks not yet sent. */
  want(first: number, end: number): void {
    const wanted: number[] = [];
    for (let b = Math.floor(first / this.blockRows); b * this.blockRows < end; b++) if (!this.#blocks.has(b)) wanted.push(b);
    // One block ahead, so scrolling on does not wait.
    const next = Math.floor(end / this.blockRows);
    if (next * this.blockRows < this.#numRows && !this.#blocks.has(next) && !wanted.includes(next)) wanted.push(next);
    this.#wanted = wanted;
    this.#pump();
  }

  /** The row at view position `viewRow`, or null while its block is on its way. */
  row(viewRow: number): RowAccess | null {
    const block = this.#blocks.get(Math.floor(viewRow / this.blockRows));
    if (!block) return null;
    const offset = viewRow - block.start;
    if (offset >= block.length) return null;
    return {
      dataRow: block.rowIndex ? block.rowIndex[offset]! : viewRow,
      value: (col) => block.columns[col]?.get(offset),
      vector: (col) => block.vectors.get(col)?.row(offset) ?? null,
    };
  }

  /** Where data row `dataRow` is in the current view, if a loaded block has it. */
  viewRowOf(dataRow: number): number | undefined {
    if (!this.#view) return dataRow < this.#numRows ? dataRow : undefined;
    for (const block of this.#blocks.values()) {
      for (let i = 0; i < block.length; i++) if (block.rowIndex?.[i] === dataRow) return block.start + i;
    }
    return undefined;
  }

  /** Sorts, filters and picks rows in the kernel; resolves once the new view's size is known (its rows then come by window). */
  async setView(state: ViewState): Promise<void> {
    const generation = ++this.#generation;
    this.#failed = null;
    if (!state.sort && !state.filter && !state.rows) {
      this.state = state;
      this.#reset(undefined, this.source.numRows);
      this.#seedFromPreview();
      this.hooks.onRows();
      return;
    }
    try {
      const { result } = state.rows
        ? await this.source.request<{ view: string; numRows: number }>("view", { rows: rowsToBase64(state.rows), filter: state.filter, sort: state.sort })
        : state.filter
        ? await this.source.request<{ view: string; numRows: number }>("filter", { expression: state.filter, sort: state.sort })
        : await this.source.request<{ view: string; numRows: number }>("sort", { ...state.sort, filter: null });
      if (generation !== this.#generation) return;
      this.state = state;
      this.#reset(result.view, result.numRows);
      this.hooks.onRows();
    } catch (e) {
      if (generation !== this.#generation) return;
      const err = e as { message?: string; code?: string };
      this.hooks.onError(err.message ?? String(e), err.code ?? "CHALKNB_TABLE_OP_FAILED");
      throw e;
    }
  }

  #reset(view: string | undefined, numRows: number): void {
    this.#view = view;
    this.#numRows = numRows;
    this.#blocks.clear();
    this.#loading.clear();
    this.#wanted = [];
    this.#inFlight = 0;
  }

  /** The preview holds the table's first rows in its own order: whole blocks of it need no request. */
  #seedFromPreview(): void {
    const rows = this.preview.numRows;
    for (let b = 0; b * this.blockRows < rows; b++) {
      const start = b * this.blockRows;
      const end = Math.min(rows, start + this.blockRows);
      if (end - start < this.blockRows && end < this.#numRows) break; // a partial block: fetch it whole
      this.#blocks.set(b, makeBlock(start, this.preview.slice(start, end), null));
    }
  }

  #pump(): void {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#wanted.length > 0 && this.#failed === null) {
      const b = this.#wanted.shift()!;
      if (this.#blocks.has(b) || this.#loading.has(b)) continue;
      void this.#fetch(b);
    }
  }

  async #fetch(b: number): Promise<void> {
    const generation = this.#generation;
    const start = b * this.blockRows;
    const end = Math.min(this.#numRows, start + this.blockRows);
    this.#loading.add(b);
    this.#inFlight++;
    try {
      const { result, ipc } = await this.source.request<{ start: number; end: number; rowIndex: number[] }>("window", { start, end, ...(this.#view ? { view: this.#view } : {}) });
      if (generation !== this.#generation) return;
      if (!ipc) throw Object.assign(new Error("the kernel sent no rows"), { code: "CHALKNB_TABLE_OP_FAILED" });
      this.#blocks.set(b, makeBlock(result.start, tableFromIPC(ipc), result.rowIndex));
      while (this.#blocks.size > MAX_BLOCKS) this.#blocks.delete(this.#blocks.keys().next().value as number);
      this.hooks.onRows();
    } catch (e) {
      if (generation !== this.#generation) return;
      const err = e as { message?: string; code?: string };
      this.#failed = err.message ?? String(e);
      this.hooks.onError(this.#failed, err.code ?? "CHALKNB_TABLE_OP_FAILED");
    } finally {
      this.#loading.delete(b);
      if (generation === this.#generation) {
        this.#inFlight--;
        this.#pump();
      }
    }
  }
}

function makeBlock(start: number, table: Table, rowIndex: number[] | null): Block {
  const vectors = new Map(findVectorColumns(table).map((c) => [c.index, c]));
  const columns = table.schema.fields.map((_, i) => table.getChildAt(i));
  return { start, length: table.numRows, rowIndex, columns, vectors };
}
