/**
 * The embedding inspector: a 2-D projection (PCA or UMAP) of a float-vector column drawn on the GPU (up to millions of
 * points, with density shading), pan and zoom, colour by any column with a legend, box or lasso selection, text
 * search over a label column, hover for a row's label, click for its nearest neighbours by cosine, and a histogram of
 * vector norms. For a table in the output item the maths runs in a Worker; for a lazy table whose kernel is alive
 * (`source`) it runs in the kernel over every row, and a selection becomes the kernel variable `selection`.
 *
 * DOM hooks (tests): data-chalknb="inspector" with data-state (loading | ready | error), data-source (local | kernel),
 * data-projection, data-projection-ms, data-rows; the plot is data-chalknb="scatter" (see scatter/scatter-view.ts);
 * controls data-chalknb="projection" | "color-by" | "label" | "search" | "mode-pan" | "mode-box" | "mode-lasso" |
 * "clear-selection"; the selection panel data-chalknb="selection" with data-rows and, once the kernel holds it,
 * data-kernel-variable and data-kernel-rows.
 */
import { DataType } from "apache-arrow/type";
import type { Table } from "apache-arrow";
import type { VectorColumn } from "./lib/arrow-vectors.js";
import { type ColorLegend, RAMP_STEPS } from "../maths/color-codes.js";
import type { Neighbor } from "../maths/nearest-by-cosine.js";
import { codeColor, hexToRgb, paletteFor } from "./lib/color-scale.js";
import { formatCount, formatNumber, formatValue } from "./lib/format.js";
import { type InspectorBackend, KernelBackend, LocalBackend, type NormSummary, type Projection, type ProjectionMethod } from "./inspector-backend.js";
import { ScatterView, type SelectMode } from "./scatter/scatter-view.js";
import { ensureInspectorStyles } from "./scatter/inspector-styles.js";
import { fitCanvas, h } from "./dom.js";
import { themeColor } from "./styles.js";
import type { KernelTableSource } from "./kernel-table-source.js";

export interface InspectorReady {
  rows: number;
  dim: number;
  ms: number;
  /** Time of the projection (PCA or UMAP, whichever was asked for). */
  pcaMs: number;
  worker: boolean;
  projection?: ProjectionMethod;
  backend?: "webgl2" | "canvas2d";
}

export interface InspectorOptions {
  onRevealRow?(row: number): void;
  onReady?(info: InspectorReady): void;
  /** The rows of a box or lasso selection (empty when cleared), e.g. to show them in the table. */
  onSelect?(rows: Uint32Array): void;
  allowWorker?: boolean;
  /**
   * A lazy table with a live kernel: coordinates, neighbours and the selection are computed in the kernel over all
   * rows. Absent (a plain in-output table, or a saved preview with no kernel): computed over the rows at hand.
   */
  source?: KernelTableSource;
  /** Draw without WebGL2 (tests of the fallback). */
  forceCpu?: boolean;
}

const NEIGHBOURS = 10;
const SELECTION_LISTED = 100;

export class InspectorView {
  readonly element: HTMLDivElement;
  readonly #table: Table;
  readonly #columns: VectorColumn[];
  readonly #options: InspectorOptions;
  readonly #backend: InspectorBackend;
  readonly #status: HTMLSpanElement;
  readonly #columnSelect: HTMLSelectElement;
  readonly #projectionSelect: HTMLSelectElement;
  readonly #colorSelect: HTMLSelectElement;
  readonly #labelSelect: HTMLSelectElement;
  readonly #search: HTMLInputElement;
  readonly #modeButtons = new Map<SelectMode, HTMLButtonElement>();
  readonly #scatter: ScatterView;
  readonly #legend: HTMLDivElement;
  readonly #tooltip: HTMLDivElement;
  readonly #hist: HTMLCanvasElement;
  readonly #histStats: HTMLDivElement;
  readonly #neighbourHead: HTMLDivElement;
  readonly #neighbourList: HTMLOListElement;
  readonly #selectionPanel: HTMLDivElement;
  readonly #selectionHead: HTMLDivElement;
  readonly #selectionList: HTMLOListElement;
  #column: VectorColumn | null = null;
  #norms: NormSummary | null = null;
  #projection: Projection | null = null;
  #selected = -1;
  #neighbours: Neighbor[] = [];
  #selection: Uint32Array | null = null;
  #matches: Uint32Array | null = null;
  #generation = 0;
  #searchGeneration = 0;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #resize: ResizeObserver | null = null;
  #labelColumn = -1;
  #labelCache = new Map<number, string>();
  #started = false;

  constructor(table: Table, columns: VectorColumn[], options: InspectorOptions = {}) {
    this.#table = table;
    this.#columns = columns;
    this.#options = options;
    this.#backend = options.source ? new KernelBackend(options.source, table) : new LocalBackend(table, options.allowWorker);
    this.element = h("div", "cnb-inspector");
    this.element.dataset.chalknb = "inspector";
    this.element.dataset.source = this.#backend.kind;
    this.element.dataset.state = "idle";
    const controls = h("div", "cnb-insp-controls");
    this.#columnSelect = select("Vector column", "vector-column");
    for (const c of columns) this.#columnSelect.append(option(String(c.index), `${c.name} (${c.dim}-d)`));
    this.#columnSelect.addEventListener("change", () => void this.#load(Number(this.#columnSelect.value)));
    this.#projectionSelect = select("Projection", "projection");
    this.#projectionSelect.append(option("pca", "PCA"), option("umap", "UMAP"));
    this.#projectionSelect.addEventListener("change", () => void this.#project());
    this.#colorSelect = select("Colour the points by a column", "color-by");
    this.#colorSelect.append(option("-1", "(none)"));
    this.#labelSelect = select("Column shown on hover, searched, and listed with neighbours", "label");
    this.#labelSelect.append(option("-1", "(row number)"));
    table.schema.fields.forEach((f, i) => {
      if (columns.some((c) => c.index === i)) return;
      this.#colorSelect.append(option(String(i), f.name));
      this.#labelSelect.append(option(String(i), f.name));
    });
    this.#colorSelect.addEventListener("change", () => void this.#applyColors());
    this.#labelColumn = table.schema.fields.findIndex((f) => DataType.isUtf8(f.type) || DataType.isLargeUtf8(f.type));
    this.#labelSelect.value = String(this.#labelColumn);
    this.#labelSelect.addEventListener("change", () => {
      this.#labelColumn = Number(this.#labelSelect.value);
      this.#labelCache.clear();
      this.#renderNeighbours();
      this.#renderSelection();
      this.#scheduleSearch(0);
    });
    this.#search = h("input");
    this.#search.type = "search";
    this.#search.placeholder = "search labels";
    this.#search.title = "Highlight the rows whose label contains this text";
    this.#search.dataset.chalknb = "search";
    this.#search.addEventListener("input", () => this.#scheduleSearch(200));
    const modes = h("span", "cnb-insp-modes");
    for (const [mode, label, title] of [
      ["pan", "Pan", "Drag to pan; wheel (once the plot is focused) to zoom; double-click to fit"],
      ["box", "Box", "Drag a box to select rows"],
      ["lasso", "Lasso", "Draw around rows to select them (or hold Shift in any mode)"],
    ] as const) {
      const b = h("button", "", label);
      b.type = "button";
      b.title = title;
      b.dataset.chalknb = `mode-${mode}`;
      b.setAttribute("aria-pressed", String(mode === "pan"));
      b.addEventListener("click", () => this.#setMode(mode));
      this.#modeButtons.set(mode, b);
      modes.append(b);
    }
    const clear = h("button", "cnb-insp-button", "Clear selection");
    clear.type = "button";
    clear.dataset.chalknb = "clear-selection";
    clear.addEventListener("click", () => this.#onSelect(new Uint32Array(0)));
    this.#status = h("span", "cnb-muted", "");
    this.#status.dataset.chalknb = "status";
    controls.append(
      h("span", "", "vectors"), this.#columnSelect, h("span", "", "projection"), this.#projectionSelect,
      h("span", "", "colour"), this.#colorSelect, h("span", "", "label"), this.#labelSelect,
    );
    const controls2 = h("div", "cnb-insp-controls");
    controls2.append(this.#search, modes, clear, this.#status);

    const el = this.element;
    this.#scatter = new ScatterView({
      forceCpu: options.forceCpu,
      onHover: (row, x, y) => this.#onHover(row, x, y),
      onPick: (row) => void this.#select(row),
      onSelect: (rows) => this.#onSelect(rows),
      get colors() {
        return {
          picked: themeColor(el, "--vscode-charts-red", "#f14c4c"),
          neighbour: themeColor(el, "--vscode-charts-orange", "#d18616"),
          hover: themeColor(el, "--vscode-foreground", "#cccccc"),
          text: themeColor(el, "--vscode-descriptionForeground", "#999999"),
          stroke: themeColor(el, "--vscode-foreground", "#cccccc"),
          match: [255, 200, 0] as [number, number, number],
        };
      },
    });
    this.#tooltip = h("div", "cnb-tooltip");
    this.#tooltip.hidden = true;
    this.#scatter.element.append(this.#tooltip);
    this.#legend = h("div", "cnb-insp-legend cnb-muted");
    this.#legend.dataset.chalknb = "legend";
    const plot = h("div", "cnb-insp-plot");
    plot.append(this.#scatter.element, this.#legend);

    const side = h("div", "cnb-side");
    this.#hist = h("canvas", "cnb-hist");
    this.#histStats = h("div", "cnb-muted");
    this.#neighbourHead = h("div", "cnb-muted", "Click a point to list its nearest neighbours (cosine).");
    this.#neighbourList = h("ol", "cnb-neighbours");
    this.#selectionPanel = h("div", "cnb-insp-selection");
    this.#selectionPanel.dataset.chalknb = "selection";
    this.#selectionPanel.dataset.rows = "0";
    this.#selectionHead = h("div", "cnb-muted", "Drag a box or lasso (Shift-drag) to select rows.");
    this.#selectionList = h("ol");
    this.#selectionPanel.append(this.#selectionHead, this.#selectionList);
    side.append(
      h("h4", "", "Vector norms"), this.#hist, this.#histStats, h("h4", "", "Nearest neighbours"), this.#neighbourHead,
      this.#neighbourList, h("h4", "", "Selection"), this.#selectionPanel,
    );
    const main = h("div", "cnb-insp-main");
    main.append(plot, side);
    this.element.append(controls, controls2, main);
  }

  /** Computes and draws; call once the element is attached and visible. */
  async start(): Promise<void> {
    if (this.#started || this.#columns.length === 0) return;
    this.#started = true;
    ensureInspectorStyles(this.element.ownerDocument);
    if (typeof ResizeObserver !== "undefined") {
      this.#resize = new ResizeObserver(() => this.#scatter.resize());
      this.#resize.observe(this.#scatter.element);
    }
    await this.#load(this.#columns[0]!.index);
  }

  /** Selects a row as if its point was clicked. */
  select(row: number): void {
    void this.#select(row);
  }

  /** The plot (tests and the benchmark drive it directly). */
  get scatter(): ScatterView {
    return this.#scatter;
  }

  /** Switches the projection and recomputes (as the projection menu does). */
  async setProjection(method: ProjectionMethod): Promise<void> {
    this.#projectionSelect.value = method;
    await this.#project();
  }

  dispose(): void {
    this.#generation++;
    clearTimeout(this.#searchTimer);
    this.#resize?.disconnect();
    this.#backend.dispose();
    this.#scatter.dispose();
    this.element.remove();
  }

  async #load(columnIndex: number): Promise<void> {
    const generation = ++this.#generation;
    const column = this.#columns.find((c) => c.index === columnIndex)!;
    this.#column = column;
    this.#state("loading");
    this.#status.textContent = `Reading ${formatCount(this.#backend.rows)} vectors…`;
    try {
      const norms = await this.#backend.load(column);
      if (generation !== this.#generation) return;
      this.#norms = norms;
      this.#drawHistogram();
    } catch (e) {
      if (generation === this.#generation) this.#fail(e);
      return;
    }
    await this.#project();
  }

  async #project(): Promise<void> {
    const column = this.#column;
    if (!column) return;
    const generation = ++this.#generation;
    const t0 = performance.now();
    const method = this.#projectionSelect.value as ProjectionMethod;
    const rows = this.#backend.rows;
    this.#state("loading");
    this.#selected = -1;
    this.#neighbours = [];
    this.#renderNeighbours();
    const where = this.#backend.kind === "kernel" ? " in the kernel" : "";
    this.#status.textContent = `Projecting ${formatCount(rows)} × ${column.dim} with ${method.toUpperCase()}${where}…`;
    let p: Projection;
    try {
      p = await this.#backend.project(method);
    } catch (e) {
      if (generation !== this.#generation) return;
      this.#fail(e);
      // The kernel finishes and keeps a projection that outlived the reply timeout: asking again fetches it.
      if ((e as { code?: string }).code === "CHALKNB_NO_REPLY") this.#status.textContent += " — the kernel is still computing it: choose the projection again in a while.";
      return;
    }
    if (generation !== this.#generation) return;
    this.#projection = p;
    this.#scatter.setPoints(p.xy);
    if (method === "pca") {
      const r = p.explainedRatio ?? [];
      this.#scatter.setAxes(`PC1 ${((r[0] ?? 0) * 100).toFixed(1)}% →`, `PC2 ${((r[1] ?? 0) * 100).toFixed(1)}% →`);
    } else this.#scatter.setAxes("UMAP 1 →", "UMAP 2 →");
    await this.#applyColors();
    if (generation !== this.#generation) return;
    this.#selection = null;
    this.#renderSelection();
    this.#scheduleSearch(0);
    const fitted = method === "pca"
      ? (p.fittedRows < rows ? ` (fitted on ${formatCount(p.fittedRows)} rows)` : "")
      : (p.fittedRows < rows ? ` (UMAP of ${formatCount(p.fittedRows)} rows, the rest placed by nearest neighbours)` : "");
    const pcs = method === "pca" ? `: ${(p.explainedRatio ?? []).map((x, i) => `PC${i + 1} ${(x * 100).toFixed(1)}%`).join(", ")}` : "";
    const how = this.#backend.kind === "kernel" ? "in the kernel" : p.worker ? "in a worker" : "on the main thread";
    const drawn = `${this.#scatter.backend === "webgl2" ? "WebGL2" : "canvas"}${this.#scatter.density ? ", density shaded" : ""}`;
    this.#status.textContent = `${method.toUpperCase()} of ${formatCount(rows)} × ${column.dim}${fitted}${pcs} · ${Math.round(p.ms)} ms ${how} · ${drawn}`;
    this.#status.className = "cnb-muted";
    this.element.dataset.projection = method;
    this.element.dataset.projectionMs = String(Math.round(p.ms));
    this.element.dataset.rows = String(rows);
    this.#state("ready");
    this.#options.onReady?.({ rows, dim: column.dim, ms: performance.now() - t0, pcaMs: p.ms, worker: p.worker, projection: method, backend: this.#scatter.backend });
  }

  #state(s: "loading" | "ready" | "error"): void {
    this.element.dataset.state = s;
  }

  #fail(e: unknown): void {
    this.#status.textContent = `Could not compute: ${e instanceof Error ? e.message : String(e)}`;
    this.#status.className = "cnb-error";
    this.#state("error");
  }

  async #applyColors(): Promise<void> {
    const index = Number(this.#colorSelect.value);
    const base = hexToRgb(normalizeHex(themeColor(this.element, "--vscode-charts-blue", "#3794ff")));
    if (index < 0 || !this.#projection) {
      if (this.#projection) this.#scatter.setColors(new Uint8Array(this.#backend.rows), paletteFor({ kind: "none" }, base));
      this.#renderLegend({ kind: "none" }, null);
      return;
    }
    const generation = this.#generation;
    try {
      const { codes, legend } = await this.#backend.colours(index);
      if (generation !== this.#generation) return;
      const palette = paletteFor(legend, base);
      this.#scatter.setColors(codes, palette);
      this.#renderLegend(legend, palette);
    } catch (e) {
      this.#legend.textContent = `Could not colour: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  #renderLegend(legend: ColorLegend, palette: Uint8Array | null): void {
    this.#legend.replaceChildren();
    this.#legend.dataset.kind = legend.kind;
    if (legend.kind === "none" || !palette) return;
    const item = (code: number, text: string): HTMLSpanElement => {
      const s = h("span", "cnb-legend-entry");
      const sw = h("span", "cnb-swatch");
      sw.style.background = codeColor(palette, code);
      s.append(sw, document.createTextNode(text));
      return s;
    };
    if (legend.kind === "categorical") {
      for (const e of legend.entries) this.#legend.append(item(e.code, `${formatValue(e.label, { maxLength: 40 })} (${formatCount(e.count)})`));
      if (legend.other) this.#legend.append(item(20, `other (${formatCount(legend.other)})`));
    } else {
      const bar = h("canvas");
      const ctx = fitCanvas(bar, 160, 10);
      if (ctx) {
        for (let c = 0; c < RAMP_STEPS; c++) {
          ctx.fillStyle = codeColor(palette, c);
          ctx.fillRect((c / RAMP_STEPS) * 160, 0, 160 / RAMP_STEPS + 0.5, 10);
        }
      }
      this.#legend.append(h("span", "", formatNumber(legend.min, 4)), bar, h("span", "", formatNumber(legend.max, 4)));
    }
    if (legend.nulls) this.#legend.append(item(255, `null (${formatCount(legend.nulls)})`));
  }

  #scheduleSearch(delay: number): void {
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => void this.#runSearch(), delay);
  }

  async #runSearch(): Promise<void> {
    const generation = ++this.#searchGeneration;
    const query = this.#search.value;
    if (!this.#projection) return;
    let matches: Uint32Array | null = null;
    if (query.trim() !== "" && this.#labelColumn >= 0) {
      try {
        matches = await this.#backend.search(this.#labelColumn, query);
      } catch (e) {
        this.#search.title = `Search failed: ${e instanceof Error ? e.message : String(e)}`;
        return;
      }
    }
    if (generation !== this.#searchGeneration) return;
    this.#matches = matches;
    this.#search.dataset.matches = String(matches?.length ?? 0);
    this.#search.title = matches ? `${formatCount(matches.length)} rows match` : "Highlight the rows whose label contains this text";
    this.#scatter.setHighlights(this.#selection, this.#matches);
  }

  #setMode(mode: SelectMode): void {
    this.#scatter.mode = mode;
    for (const [m, b] of this.#modeButtons) b.setAttribute("aria-pressed", String(m === mode));
  }

  #onSelect(rows: Uint32Array): void {
    this.#selection = rows.length > 0 ? rows : null;
    this.#scatter.setHighlights(this.#selection, this.#matches);
    this.#renderSelection();
    this.#options.onSelect?.(rows);
    if (this.#backend.kind !== "kernel") return;
    const panel = this.#selectionPanel;
    delete panel.dataset.kernelVariable;
    delete panel.dataset.kernelRows;
    void this.#backend.select(rows).then(
      (r) => {
        if (!r || this.#selection !== (rows.length > 0 ? rows : null)) return;
        panel.dataset.kernelVariable = r.variable;
        panel.dataset.kernelRows = String(r.numRows);
        this.#selectionHead.textContent = `${formatCount(r.numRows)} rows selected · in the kernel as \`${r.variable}\` (an Arrow table)`;
      },
      (e: unknown) => {
        this.#selectionHead.textContent = `${formatCount(rows.length)} rows selected · the kernel did not take them: ${e instanceof Error ? e.message : String(e)}`;
      },
    );
  }

  #renderSelection(): void {
    const rows = this.#selection;
    this.#selectionPanel.dataset.rows = String(rows?.length ?? 0);
    this.#selectionList.replaceChildren();
    if (!rows) {
      this.#selectionHead.textContent = "Drag a box or lasso (Shift-drag) to select rows.";
      return;
    }
    this.#selectionHead.textContent = `${formatCount(rows.length)} rows selected`;
    const listed = Array.from(rows.subarray(0, SELECTION_LISTED));
    for (const r of listed) {
      const li = h("li", "", this.#rowText(r));
      li.value = r;
      li.addEventListener("click", () => {
        void this.#select(r);
        this.#options.onRevealRow?.(r);
      });
      this.#selectionList.append(li);
    }
    if (rows.length > SELECTION_LISTED) this.#selectionList.append(h("li", "cnb-muted", `… ${formatCount(rows.length - SELECTION_LISTED)} more`));
    void this.#fetchLabels(listed).then(() => {
      if (this.#selection !== rows) return;
      this.#selectionList.querySelectorAll("li").forEach((li, i) => {
        if (i < listed.length) li.textContent = this.#rowText(listed[i]!);
      });
    });
  }

  #rowText(row: number): string {
    const label = this.#label(row, 120);
    return `row ${row}${label ? ` · ${label}` : ""}`;
  }

  #drawHistogram(): void {
    const norms = this.#norms!;
    const hst = norms.hist;
    const width = Math.max(200, this.#hist.clientWidth || 280), height = 90;
    const ctx = fitCanvas(this.#hist, width, height);
    let total = hst.skipped;
    for (const c of hst.counts) total += c;
    const valid = total - hst.skipped;
    this.#histStats.textContent = valid === 0
      ? "no vectors"
      : `min ${formatNumber(hst.min, 4)} · mean ${formatNumber(norms.mean, 4)} · max ${formatNumber(hst.max, 4)}` +
        (hst.skipped ? ` · ${formatCount(hst.skipped)} null` : "");
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    const blue = themeColor(this.element, "--vscode-charts-blue", "#3794ff");
    if (valid > 0 && hst.max - hst.min <= 1e-4 * Math.abs(hst.max)) {
      // Normalized embeddings: every norm is 1 to float precision; 40 bins of rounding noise would mislead.
      this.#histStats.textContent = `all ${formatCount(valid)} norms ≈ ${formatNumber(hst.max, 5)} (normalized vectors)`;
      ctx.fillStyle = blue;
      ctx.fillRect(width / 2 - 3, 2, 6, height - 2);
      return;
    }
    let max = 0;
    for (const c of hst.counts) max = Math.max(max, c);
    if (max === 0) return;
    ctx.fillStyle = blue;
    const bw = width / hst.counts.length;
    hst.counts.forEach((c, i) => {
      const bh = (c / max) * (height - 2);
      ctx.fillRect(i * bw, height - bh, Math.max(1, bw - 1), bh);
    });
  }

  #onHover(row: number, x: number, y: number): void {
    if (row < 0) {
      this.#tooltip.hidden = true;
      return;
    }
    const show = (): void => {
      const label = this.#label(row, 300);
      this.#tooltip.textContent = `row ${row}${label ? `\n${label}` : ""}`;
    };
    show();
    if (!this.#hasLabel(row)) void this.#fetchLabels([row]).then(() => { if (!this.#tooltip.hidden) show(); });
    this.#tooltip.hidden = false;
    const w = this.#scatter.element.clientWidth, hgt = this.#scatter.element.clientHeight;
    this.#tooltip.style.left = `${Math.min(x + 12, Math.max(0, w - 200))}px`;
    this.#tooltip.style.top = `${Math.min(y + 12, Math.max(0, hgt - 60))}px`;
  }

  async #select(row: number): Promise<void> {
    if (!this.#projection) return;
    this.#selected = row;
    this.#neighbours = [];
    this.#neighbourHead.textContent = `Row ${row}: searching…`;
    this.#scatter.setMarks({ picked: row, neighbours: [] });
    const generation = this.#generation;
    let found: Neighbor[] = [];
    try {
      found = await this.#backend.neighbours(row, NEIGHBOURS);
      await this.#fetchLabels([row, ...found.map((n) => n.index)]);
    } catch (e) {
      this.#neighbourHead.textContent = `Row ${row}: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    if (generation !== this.#generation || this.#selected !== row) return;
    this.#neighbours = found;
    this.#renderNeighbours();
    this.#scatter.setMarks({ picked: row, neighbours: found.map((n) => n.index) });
  }

  #renderNeighbours(): void {
    this.#neighbourList.replaceChildren();
    if (this.#selected < 0) {
      this.#neighbourHead.textContent = "Click a point to list its nearest neighbours (cosine).";
      this.#scatter.setMarks({ picked: -1, neighbours: [] });
      return;
    }
    const head = this.#neighbourHead;
    const label = this.#label(this.#selected, 120);
    head.replaceChildren(h("span", "", `row ${this.#selected}${label ? `: ${label}` : ""} `));
    if (this.#options.onRevealRow && this.#selected < this.#table.numRows) {
      const show = h("button", "cnb-linkbutton", "show in table");
      const row = this.#selected;
      show.addEventListener("click", () => this.#options.onRevealRow!(row));
      head.append(show);
    }
    for (const nb of this.#neighbours) {
      const label = this.#label(nb.index, 120);
      const li = h("li", "", `${nb.similarity.toFixed(4)} · row ${nb.index}${label ? ` · ${label}` : ""}`);
      li.title = this.#label(nb.index, 2000);
      li.addEventListener("click", () => void this.#select(nb.index));
      this.#neighbourList.append(li);
    }
  }

  #hasLabel(row: number): boolean {
    return this.#labelColumn < 0 || row < this.#table.numRows || this.#labelCache.has(row);
  }

  /** Labels of rows past the preview the webview holds, asked of the kernel in one request. */
  async #fetchLabels(rows: number[]): Promise<void> {
    const missing = rows.filter((r) => !this.#hasLabel(r));
    if (missing.length === 0) return;
    const column = this.#labelColumn;
    const labels = await this.#backend.labels(column, missing).catch(() => missing.map(() => ""));
    if (column !== this.#labelColumn) return;
    missing.forEach((r, i) => this.#labelCache.set(r, labels[i] ?? ""));
  }

  #label(row: number, max: number): string {
    if (this.#labelColumn < 0) return "";
    if (row >= this.#table.numRows) return formatValue(this.#labelCache.get(row) ?? "", { maxLength: max });
    const v = this.#table.getChildAt(this.#labelColumn)?.get(row) as unknown;
    return formatValue(v, { maxLength: max });
  }
}

function select(title: string, hook: string): HTMLSelectElement {
  const s = h("select");
  s.title = title;
  s.dataset.chalknb = hook;
  return s;
}

function option(value: string, text: string): HTMLOptionElement {
  const o = h("option", "", text);
  o.value = value;
  return o;
}

/** Theme colours come as #rgb, #rrggbb or #rrggbbaa; the palette wants #rrggbb. */
function normalizeHex(color: string): string {
  const c = color.trim();
  if (/^#[0-9a-f]{3}$/i.test(c)) return `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}`;
  if (/^#[0-9a-f]{6}/i.test(c)) return c.slice(0, 7);
  return "#3794ff";
}
