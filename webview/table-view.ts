/**
 * The Arrow table grid: a virtualized list of rows (only the visible ones, plus overscan, are in the DOM), column
 * names and Arrow types in a sticky header, click-to-sort, compact float-vector cells (dimension, norm, sparkline)
 * and a detail panel that shows a clicked cell in full; {@link TableView.showRows} narrows it to chosen rows (the
 * inspector's selection). Every value goes into the DOM as textContent.
 */
import { DataType } from "apache-arrow/type";
import type { Table, Vector } from "apache-arrow";
import { findVectorColumns, type VectorColumn } from "./lib/arrow-vectors.js";
import { formatNumber, formatValue } from "./lib/format.js";
import { sortOrder, type SortDirection, type SortKey } from "./lib/sort.js";
import { summarizeVector } from "../maths/vector-stats.js";
import { computeVirtualWindow, scrollTopForRow } from "./lib/virtual-window.js";
import { fittedWidth, rowNumberWidth } from "./lib/column-width.js";
import { wheelDecision, wheelDeltaPx } from "./lib/wheel-scroll.js";
import { addResizeHandle } from "./column-resize.js";
import { fitCanvas, h } from "./dom.js";
import { themeColor } from "./styles.js";
import { drawHeatStrip, drawSparkline } from "./vector-draw.js";
import type { KernelTableSource } from "./kernel-table-source.js";
import { LazyRows, type RowAccess } from "./lib/lazy-rows.js";
import { normalizeRows, orderWithin } from "./lib/row-subset.js";
import { formatCount } from "./lib/format.js";

type ColumnKind = "number" | "bigint" | "string" | "bool" | "vector" | "other";

interface ColumnInfo {
  name: string;
  typeText: string;
  kind: ColumnKind;
  vector: Vector;
  vcol?: VectorColumn;
  /** CSS width now (fitted, or what the user dragged it to). */
  width: string;
  fitted: string;
}

/** Rows whose text a fitted column measures: this many from the start, the end and spread between. @default 100 */
const FIT_SAMPLE_ROWS = 100;

/** Display text of a sample of rows (values often grow down a table: "word 9" … "word 29142"). */
function* sampleTexts(vector: Vector): Iterable<string> {
  const n = vector.length;
  const rows = new Set<number>();
  for (let i = 0; i < Math.min(n, FIT_SAMPLE_ROWS); i++) rows.add(i).add(n - 1 - i).add(Math.floor((i * n) / FIT_SAMPLE_ROWS));
  for (const row of rows) {
    const v = vector.get(row) as unknown;
    yield v === null || v === undefined ? "null" : formatValue(v, { maxLength: 80 });
  }
}

interface PoolRow {
  el: HTMLDivElement;
  cells: HTMLDivElement[];
  /** Data row shown, or -1. */
  shown: number;
}

export interface TableViewOptions {
  /** Row height in px. @default 22 */
  rowHeight?: number;
  /** Grid viewport height in px; smaller tables shrink to fit. @default 360 */
  height?: number;
  /**
   * The whole table stays in the kernel (`table` is its preview): rows come by window as the grid scrolls, and sorting
   * and filtering are computed in the kernel.
   */
  source?: KernelTableSource;
}

const SPARK_W = 72;
const SPARK_H = 14;

export class TableView {
  readonly element: HTMLDivElement;
  readonly vectorColumns: VectorColumn[];
  readonly #table: Table;
  readonly #columns: ColumnInfo[];
  readonly #rowHeight: number;
  readonly #viewport: HTMLDivElement;
  readonly #header: HTMLDivElement;
  readonly #spacer: HTMLDivElement;
  readonly #detail: HTMLDivElement;
  readonly #sortLabel: HTMLSpanElement;
  readonly #pool: PoolRow[] = [];
  /** View order of an in-output table: {@link #sortOrder} kept to {@link #shownRows}; null for all rows in order. */
  #order: Uint32Array | null = null;
  #sortOrder: Uint32Array | null = null;
  /** The rows {@link showRows} narrowed the grid to (ascending), or null for all. */
  #shownRows: Uint32Array | null = null;
  #showRowsCall = 0;
  readonly #rowsLabel: HTMLSpanElement;
  readonly #rowsText: HTMLSpanElement;
  readonly #lazy: LazyRows | null;
  readonly #message: HTMLDivElement;
  #sort: { column: number; direction: SortDirection } | null = null;
  #selected = -1;
  #frame = 0;
  #sparkColor = "";
  readonly #rowNumberWidth: string;
  #wheelPass: ReturnType<typeof setTimeout> | undefined;
  readonly #maxHeight: number;

  constructor(table: Table, options: TableViewOptions = {}) {
    this.#table = table;
    this.#lazy = options.source
      ? new LazyRows(options.source, table, {
          onRows: () => {
            for (const r of this.#pool) r.shown = -1;
            this.#schedule();
          },
          onError: (message) => this.#showMessage(message),
        })
      : null;
    this.#rowHeight = options.rowHeight ?? 22;
    this.vectorColumns = findVectorColumns(table);
    const byIndex = new Map(this.vectorColumns.map((c) => [c.index, c]));
    this.#columns = table.schema.fields.map((field, i) => {
      const kind = columnKind(field.type, byIndex.has(i));
      const vector = table.getChildAt(i)!;
      const typeText = String(field.type);
      const width = kind === "string" || kind === "other" ? fittedWidth(field.name, typeText, sampleTexts(vector))
        : kind === "vector" ? "210px" : kind === "bool" ? "70px" : "110px";
      return { name: field.name, typeText, kind, vector, vcol: byIndex.get(i), width, fitted: width };
    });

    this.element = h("div", "cnb-table");
    this.#rowNumberWidth = rowNumberWidth(this.#rowCount);
    this.#applyWidths();
    this.element.style.setProperty("--cnb-row-height", `${this.#rowHeight}px`);
    this.#maxHeight = options.height ?? 360;

    this.#viewport = h("div", "cnb-grid-viewport");
    this.#viewport.tabIndex = 0;
    this.#viewport.setAttribute("role", "grid");
    this.#viewport.setAttribute("aria-rowcount", String(this.#rowCount));
    // A first guess (two header lines and a scrollbar); render() sets the exact height of a short table once laid out.
    const height = Math.min(this.#maxHeight, 2.3 * this.#rowHeight + this.#rowHeight * this.#rowCount + 18);
    this.#viewport.style.setProperty("--cnb-grid-height", `${Math.round(height)}px`);
    this.#viewport.addEventListener("wheel", (e) => this.#onWheel(e), { passive: false });

    this.#header = h("div", "cnb-header");
    this.#header.setAttribute("role", "row");
    const corner = h("div", "cnb-hcell cnb-rownum");
    corner.append(h("span", "cnb-hname", "#"), h("span", "cnb-htype", "row"));
    corner.title = "Original row order";
    corner.addEventListener("click", () => this.sortBy(-1));
    this.#header.append(corner);
    this.#columns.forEach((c, i) => {
      const cell = h("div", "cnb-hcell" + (c.kind === "number" || c.kind === "bigint" ? " cnb-num" : ""));
      cell.setAttribute("role", "columnheader");
      cell.dataset.col = String(i);
      cell.title = `${c.name}: ${c.typeText}\nClick to sort${c.kind === "vector" ? " (by norm)" : ""}`;
      cell.append(h("span", "cnb-hname", c.name), h("span", "cnb-htype", c.typeText));
      cell.addEventListener("click", () => this.sortBy(i));
      addResizeHandle(cell, (px) => {
        c.width = px === undefined ? c.fitted : `${px}px`;
        this.#applyWidths();
      });
      this.#header.append(cell);
    });
    this.#spacer = h("div", "cnb-spacer");
    this.#viewport.append(this.#header, this.#spacer);
    this.#viewport.addEventListener("scroll", () => this.#schedule(), { passive: true });
    this.#spacer.addEventListener("click", (e) => this.#onClick(e));

    this.#sortLabel = h("span", "cnb-muted");
    this.#rowsLabel = h("span", "cnb-shown-rows");
    this.#rowsLabel.dataset.chalknb = "table-rows";
    this.#rowsLabel.hidden = true;
    this.#rowsText = h("span", "");
    const showAll = h("button", "cnb-linkbutton", "show all rows");
    showAll.dataset.chalknb = "show-all-rows";
    showAll.addEventListener("click", () => void this.showRows(null));
    this.#rowsLabel.append(this.#rowsText, showAll);
    this.#detail = h("div", "cnb-detail");
    this.#detail.hidden = true;
    this.#message = h("div", "cnb-grid-message");
    this.#message.setAttribute("role", "status");
    this.#message.hidden = true;
    this.element.append(this.#message, this.#viewport, this.#detail);
  }

  /** Rows the grid scrolls through: the table's, or, for a table in the kernel, its current view's. */
  get #rowCount(): number {
    return this.#lazy ? this.#lazy.numRows : this.#order ? this.#order.length : this.#table.numRows;
  }

  /** True when rows come from the kernel (the table given is a preview). */
  get lazy(): boolean {
    return this.#lazy !== null;
  }

  /** A line above the grid (a request that failed, a preview's notice); textContent only. */
  #showMessage(text: string | null): void {
    this.#message.textContent = text ?? "";
    this.#message.hidden = !text;
  }

  /** Shows a notice above the grid (the renderer's "preview of N of M rows" when no kernel holds the table). */
  setNotice(text: string): void {
    this.#showMessage(text);
  }

  /** The row at view position `viewRow`: from the table (through the local sort), or from the kernel's blocks. */
  #rowAt(viewRow: number): RowAccess | null {
    if (this.#lazy) return this.#lazy.row(viewRow);
    const dataRow = this.#order ? this.#order[viewRow]! : viewRow;
    return {
      dataRow,
      value: (col) => this.#columns[col]!.vector.get(dataRow),
      vector: (col) => this.#columns[col]!.vcol?.row(dataRow) ?? null,
    };
  }

  /** Keeps only rows matching `expression` (computed in the kernel; for a table in the kernel only). */
  async setFilter(expression: string): Promise<number> {
    if (!this.#lazy) throw new Error("filtering needs the table in the kernel");
    const filter = expression.trim() || null;
    await this.#lazy.setView({ ...this.#lazy.state, filter });
    this.#afterViewChange();
    return this.#lazy.numRows;
  }

  #afterViewChange(): void {
    this.#showMessage(null);
    this.#redraw();
  }

  /** Draws a new set or order of rows from the top. */
  #redraw(): void {
    this.#viewport.setAttribute("aria-rowcount", String(this.#rowCount));
    this.#viewport.scrollTop = 0;
    for (const r of this.#pool) r.shown = -1;
    this.render();
  }

  /**
   * Shows only the given table rows (e.g. the inspector's box or lasso selection), in row order or the current sort;
   * null shows all rows again. A table in the kernel gets the view from the kernel (its filter still applies within
   * the rows); resolves once the grid shows it.
   */
  async showRows(rows: ArrayLike<number> | null): Promise<void> {
    const call = ++this.#showRowsCall;
    const total = this.#lazy ? this.#lazy.source.numRows : this.#table.numRows;
    const shown = rows ? normalizeRows(rows, total) : null;
    if (this.#lazy) {
      try {
        await this.#lazy.setView({ ...this.#lazy.state, rows: shown });
      } catch {
        return; // the grid shows the kernel's message and keeps its rows
      }
      if (call !== this.#showRowsCall) return; // a later selection won
      this.#shownRows = shown;
      this.#afterViewChange();
    } else {
      this.#shownRows = shown;
      this.#order = orderWithin(this.#sortOrder, shown, this.#table.numRows);
      this.#redraw();
    }
    this.#rowsLabel.hidden = shown === null;
    this.#rowsLabel.dataset.rows = String(shown?.length ?? 0);
    this.#rowsText.textContent = shown ? `${formatCount(shown.length)} selected rows · ` : "";
  }

  /** Rows {@link showRows} narrowed the grid to, or null when it shows all. */
  get shownRows(): Uint32Array | null {
    return this.#shownRows;
  }

  /** Rows the grid scrolls through now (after a filter and {@link showRows}). */
  get rowCount(): number {
    return this.#rowCount;
  }

  /** Toolbar item saying "N selected rows · show all rows" while {@link showRows} narrows the grid. */
  get rowsLabel(): HTMLSpanElement {
    return this.#rowsLabel;
  }

  /** Toolbar text describing the current sort (the renderer puts it in its toolbar). */
  get sortLabel(): HTMLSpanElement {
    return this.#sortLabel;
  }

  /** Draws the visible rows now (call once attached, so the viewport has a size). */
  render(): void {
    if (!this.#sparkColor) this.#sparkColor = themeColor(this.element, "--vscode-charts-blue", "#3794ff");
    const headerHeight = this.#header.offsetHeight;
    this.#fitHeight(headerHeight);
    const viewportHeight = Math.max(this.#rowHeight, this.#viewport.clientHeight - headerHeight);
    const w = computeVirtualWindow({
      scrollTop: this.#viewport.scrollTop, viewportHeight, rowHeight: this.#rowHeight, rowCount: this.#rowCount,
    });
    this.#lazy?.want(w.first, w.end);
    this.#spacer.style.height = `${w.scrollHeight}px`;
    const needed = w.end - w.first;
    while (this.#pool.length < needed) this.#pool.push(this.#makeRow());
    for (let k = 0; k < this.#pool.length; k++) {
      const row = this.#pool[k]!;
      if (k >= needed) {
        row.el.hidden = true;
        continue;
      }
      const viewRow = w.first + k;
      row.el.hidden = false;
      row.el.style.transform = `translateY(${w.offsetTop + k * this.#rowHeight}px)`;
      const access = this.#rowAt(viewRow);
      row.el.setAttribute("aria-rowindex", String(viewRow + 1));
      row.el.dataset.viewRow = String(viewRow);
      if (!access) {
        if (row.shown !== -2) this.#fillPending(row);
        continue;
      }
      row.el.classList.toggle("cnb-selected", access.dataRow === this.#selected);
      if (row.shown !== access.dataRow) this.#fillRow(row, access);
    }
  }

  /** Sorts by column `index` (−1: original order); clicking the same column again flips, then clears, the sort. */
  sortBy(index: number): void {
    if (index < 0) {
      this.#sort = null;
    } else if (this.#sort?.column === index) {
      this.#sort = this.#sort.direction === "asc" ? { column: index, direction: "desc" } : null;
    } else {
      this.#sort = { column: index, direction: "asc" };
    }
    if (this.#lazy) {
      void this.#sortInKernel();
      return;
    }
    if (this.#sort) {
      const c = this.#columns[this.#sort.column]!;
      this.#sortOrder = sortOrder(this.#table.numRows, sortKeyOf(c), this.#sort.direction);
      this.#sortLabel.textContent = `sorted by ${c.name}${c.kind === "vector" ? " (norm)" : ""} ${this.#sort.direction === "asc" ? "▲" : "▼"}`;
    } else {
      this.#sortOrder = null;
      this.#sortLabel.textContent = "";
    }
    this.#order = orderWithin(this.#sortOrder, this.#shownRows, this.#table.numRows);
    this.#markSorted();
    for (const r of this.#pool) r.shown = -1;
    this.render();
  }

  #markSorted(): void {
    this.#header.querySelectorAll<HTMLElement>(".cnb-hcell").forEach((el) => {
      const col = el.dataset.col === undefined ? -1 : Number(el.dataset.col);
      if (this.#sort && col === this.#sort.column) el.setAttribute("aria-sort", this.#sort.direction === "asc" ? "ascending" : "descending");
      else el.removeAttribute("aria-sort");
    });
  }

  /** The kernel sorts a table it holds; the label says so while it works. */
  async #sortInKernel(): Promise<void> {
    const lazy = this.#lazy!;
    const sort = this.#sort;
    const c = sort ? this.#columns[sort.column]! : undefined;
    const label = c ? `${c.name}${c.kind === "vector" ? " (norm)" : ""} ${sort!.direction === "asc" ? "▲" : "▼"}` : "";
    this.#sortLabel.textContent = c ? `sorting by ${label}…` : "";
    try {
      await lazy.setView({ ...lazy.state, sort: c ? { column: c.name, descending: sort!.direction === "desc" } : null });
      if (this.#sort !== sort) return; // a later click won
      this.#sortLabel.textContent = c ? `sorted by ${label}` : "";
      this.#markSorted();
      this.#afterViewChange();
    } catch {
      if (this.#sort !== sort) return;
      this.#sort = null;
      this.#sortLabel.textContent = "";
      this.#markSorted();
    }
  }

  /** Scrolls so data row `row` is visible and selects it. */
  revealRow(row: number): void {
    const viewRow = this.#lazy ? (this.#lazy.viewRowOf(row) ?? -1) : this.#order ? this.#order.indexOf(row) : row;
    if (viewRow < 0) return;
    this.#selected = row;
    const headerHeight = this.#header.offsetHeight;
    this.#viewport.scrollTop = scrollTopForRow(Math.max(0, viewRow - 2), {
      viewportHeight: Math.max(this.#rowHeight, this.#viewport.clientHeight - headerHeight),
      rowHeight: this.#rowHeight, rowCount: this.#rowCount,
    });
    this.render();
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    clearTimeout(this.#wheelPass);
    this.element.remove();
  }

  /** A table shorter than the grid's maximum height gets exactly its rows' height: no empty space below them. */
  #fitHeight(headerHeight: number): void {
    if (headerHeight === 0) return; // not laid out yet
    // offsetHeight − clientHeight: the borders and, when columns overflow, the horizontal scrollbar.
    const chrome = this.#viewport.offsetHeight - this.#viewport.clientHeight;
    const natural = headerHeight + this.#rowHeight * this.#rowCount + chrome;
    const height = `${Math.min(this.#maxHeight, natural)}px`;
    if (this.#viewport.style.getPropertyValue("--cnb-grid-height") !== height) this.#viewport.style.setProperty("--cnb-grid-height", height);
  }

  #applyWidths(): void {
    this.element.style.setProperty("--cnb-cols", [this.#rowNumberWidth, ...this.#columns.map((c) => c.width)].join(" "));
  }

  #onWheel(e: WheelEvent): void {
    const delta = wheelDeltaPx(e.deltaY, e.deltaMode, this.#rowHeight, this.#viewport.clientHeight);
    const decision = wheelDecision(this.#viewport, delta, this.#viewport.matches(":focus-within"));
    if (decision.grid) {
      e.preventDefault();
      this.#viewport.scrollTop = decision.scrollTop;
      return;
    }
    // The notebook scrolls. A grid that could still scroll down must not look scrollable to VS Code's check, which
    // runs after this handler (on the window): overflow-y hidden, until the wheel has been quiet for a moment.
    if (!decision.hideScroller) return;
    this.#viewport.classList.add("cnb-wheel-pass");
    clearTimeout(this.#wheelPass);
    this.#wheelPass = setTimeout(() => this.#viewport.classList.remove("cnb-wheel-pass"), 250);
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.render();
    });
  }

  #makeRow(): PoolRow {
    const el = h("div", "cnb-row");
    el.setAttribute("role", "row");
    const cells: HTMLDivElement[] = [h("div", "cnb-cell cnb-rownum")];
    this.#columns.forEach((c, i) => {
      const cell = h("div", "cnb-cell" + (c.kind === "number" || c.kind === "bigint" ? " cnb-num" : ""));
      cell.dataset.col = String(i);
      if (c.kind === "vector") {
        const wrap = h("div", "cnb-vec");
        wrap.append(h("canvas"), h("span"));
        cell.append(wrap);
      }
      cells.push(cell);
    });
    el.append(...cells);
    this.#spacer.append(el);
    return { el, cells, shown: -1 };
  }

  /** A row whose data is on its way from the kernel. */
  #fillPending(row: PoolRow): void {
    row.shown = -2;
    delete row.el.dataset.row;
    row.el.classList.remove("cnb-selected");
    row.cells[0]!.textContent = "…";
    for (let i = 1; i < row.cells.length; i++) {
      const cell = row.cells[i]!;
      cell.removeAttribute("title");
      if (this.#columns[i - 1]!.kind === "vector") {
        const canvas = cell.querySelector("canvas")!;
        fitCanvas(canvas, SPARK_W, SPARK_H)?.clearRect(0, 0, SPARK_W, SPARK_H);
        cell.querySelector("span")!.textContent = "";
      } else {
        cell.textContent = "";
      }
    }
  }

  #fillRow(row: PoolRow, access: RowAccess): void {
    const dataRow = access.dataRow;
    row.shown = dataRow;
    row.el.dataset.row = String(dataRow);
    row.cells[0]!.textContent = String(dataRow);
    this.#columns.forEach((c, i) => {
      const cell = row.cells[i + 1]!;
      if (c.kind === "vector") {
        const v = access.vector(i);
        const canvas = cell.querySelector("canvas")!;
        const label = cell.querySelector("span")!;
        const ctx = fitCanvas(canvas, SPARK_W, SPARK_H);
        if (!v) {
          ctx?.clearRect(0, 0, SPARK_W, SPARK_H);
          label.textContent = "null";
          label.className = "cnb-null";
          cell.removeAttribute("title");
          return;
        }
        const s = summarizeVector(v);
        if (ctx) drawSparkline(ctx, v, SPARK_W, SPARK_H, this.#sparkColor);
        label.textContent = `${s.dim}-d ‖${formatNumber(s.norm, 4)}‖`;
        label.className = "";
        cell.title = `${s.dim} values, norm ${formatNumber(s.norm)}, min ${formatNumber(s.min)}, max ${formatNumber(s.max)} — click for all values`;
        return;
      }
      const value = access.value(i);
      if (value === null || value === undefined) {
        cell.textContent = "null";
        cell.classList.add("cnb-null");
        cell.removeAttribute("title");
        return;
      }
      cell.classList.remove("cnb-null");
      const text = formatValue(value, { maxLength: 300 });
      cell.textContent = text;
      if (text.length > 30) cell.title = formatValue(value, { maxLength: 2000 });
      else cell.removeAttribute("title");
    });
  }

  #onClick(e: MouseEvent): void {
    const cell = (e.target as Element).closest<HTMLElement>(".cnb-cell");
    const rowEl = cell?.closest<HTMLElement>(".cnb-row");
    if (!cell || !rowEl?.dataset.row || rowEl.dataset.viewRow === undefined) return;
    const access = this.#rowAt(Number(rowEl.dataset.viewRow));
    if (!access) return;
    const dataRow = access.dataRow;
    this.#selected = dataRow;
    for (const r of this.#pool) r.el.classList.toggle("cnb-selected", r.shown === dataRow);
    const col = cell.dataset.col === undefined ? -1 : Number(cell.dataset.col);
    this.#showDetailOf(access, col);
  }

  /** Shows row `dataRow`'s column `col` in full below the grid (−1: the whole row). */
  showDetail(dataRow: number, col: number): void {
    if (this.#lazy) {
      const viewRow = this.#lazy.viewRowOf(dataRow);
      const access = viewRow === undefined ? null : this.#lazy.row(viewRow);
      if (access) this.#showDetailOf(access, col);
      return;
    }
    this.#showDetailOf({ dataRow, value: (i) => this.#columns[i]!.vector.get(dataRow), vector: (i) => this.#columns[i]!.vcol?.row(dataRow) ?? null }, col);
  }

  #showDetailOf(access: RowAccess, col: number): void {
    const dataRow = access.dataRow;
    const d = this.#detail;
    d.replaceChildren();
    d.hidden = false;
    const head = h("div", "cnb-detail-head");
    const close = h("button", "cnb-linkbutton", "close");
    close.addEventListener("click", () => { d.hidden = true; });
    const c = this.#columns[col];
    if (c?.kind === "vector") {
      const v = access.vector(col);
      if (!v) {
        head.append(h("strong", "", `row ${dataRow} · ${c.name}`), h("span", "cnb-null", "null"), close);
        d.append(head);
        return;
      }
      const s = summarizeVector(v);
      head.append(
        h("strong", "", `row ${dataRow} · ${c.name}`),
        h("span", "cnb-muted", `${s.dim} dims · norm ${formatNumber(s.norm)} · min ${formatNumber(s.min)} · max ${formatNumber(s.max)} · mean ${formatNumber(s.mean)}`),
        close,
      );
      const strip = h("canvas", "cnb-strip");
      const pre = h("pre", "", Array.from(v, (x) => formatNumber(x)).join(", "));
      d.append(head, strip, pre);
      const width = Math.max(100, strip.clientWidth || d.clientWidth - 12);
      const ctx = fitCanvas(strip, width, 18);
      if (ctx) drawHeatStrip(ctx, v, width, 18);
      return;
    }
    const cols = c ? [c] : this.#columns;
    head.append(h("strong", "", c ? `row ${dataRow} · ${c.name}` : `row ${dataRow}`), close);
    d.append(head);
    for (const col2 of cols) {
      const index = this.#columns.indexOf(col2);
      const text = col2.kind === "vector"
        ? `[${Array.from(access.vector(index) ?? [], (x) => formatNumber(x)).join(", ")}]`
        : formatValue(access.value(index), { maxLength: 100_000 });
      d.append(h("pre", "", c ? text : `${col2.name}: ${text}`));
    }
  }
}

function columnKind(type: DataType, isVector: boolean): ColumnKind {
  if (isVector) return "vector";
  if (DataType.isInt(type)) return type.bitWidth === 64 ? "bigint" : "number";
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return "number";
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return "string";
  if (DataType.isBool(type)) return "bool";
  if (DataType.isDictionary(type)) return DataType.isUtf8(type.dictionary) ? "string" : "other";
  if (DataType.isDate(type) || DataType.isTimestamp(type)) return "number";
  return "other";
}

function sortKeyOf(c: ColumnInfo): (row: number) => SortKey {
  switch (c.kind) {
    case "vector":
      return (r) => {
        const v = c.vcol!.row(r);
        return v ? summarizeVector(v).norm : null;
      };
    case "number":
      return (r) => {
        const v = c.vector.get(r) as unknown;
        return v === null || v === undefined ? null : v instanceof Date ? v.getTime() : Number(v);
      };
    case "bigint":
    case "string":
    case "bool":
      return (r) => c.vector.get(r) as SortKey;
    default:
      return (r) => {
        const v = c.vector.get(r) as unknown;
        return v === null || v === undefined ? null : formatValue(v);
      };
  }
}
