/**
 * The embedding inspector: a 2-D PCA projection of a float-vector column on a canvas (up to 100k points), hover to
 * see a row's label column, click to select a point and list its nearest neighbours by cosine, and a histogram of
 * vector norms. The maths runs in a Worker (see embedding-client.ts).
 */
import { DataType } from "apache-arrow/type";
import type { Table } from "apache-arrow";
import type { PackedVectors, VectorColumn } from "./lib/arrow-vectors.js";
import { formatCount, formatNumber, formatValue } from "./lib/format.js";
import { fitPoints, PointGrid, toScreen } from "./lib/scatter.js";
import { histogram, type Neighbor } from "./lib/vector-stats.js";
import { EmbeddingClient } from "./embedding-client.js";
import type { PcaSummary } from "./embedding-compute.js";
import { fitCanvas, h } from "./dom.js";
import { themeColor } from "./styles.js";
import type { KernelTableSource } from "./kernel-table-source.js";

export interface InspectorReady {
  rows: number;
  dim: number;
  ms: number;
  pcaMs: number;
  worker: boolean;
}

export interface InspectorOptions {
  onRevealRow?(row: number): void;
  onReady?(info: InspectorReady): void;
  allowWorker?: boolean;
  /**
   * A lazy table with a live kernel: coordinates, neighbours and the selection are computed in the kernel over all
   * rows. Absent (a plain in-output table, or a saved preview with no kernel): computed over the rows at hand.
   */
  source?: KernelTableSource;
}

const NEIGHBOURS = 10;

export class InspectorView {
  readonly element: HTMLDivElement;
  readonly #table: Table;
  readonly #columns: VectorColumn[];
  readonly #options: InspectorOptions;
  readonly #status: HTMLSpanElement;
  readonly #columnSelect: HTMLSelectElement;
  readonly #labelSelect: HTMLSelectElement;
  readonly #wrap: HTMLDivElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #tooltip: HTMLDivElement;
  readonly #hist: HTMLCanvasElement;
  readonly #histStats: HTMLDivElement;
  readonly #neighbourHead: HTMLDivElement;
  readonly #neighbourList: HTMLOListElement;
  #client: EmbeddingClient | null = null;
  #column: VectorColumn | null = null;
  #packed: PackedVectors | null = null;
  #norms: Float32Array | null = null;
  #pca: PcaSummary | null = null;
  #grid: PointGrid | null = null;
  #base: ImageData | null = null;
  #selected = -1;
  #hovered = -1;
  #neighbours: Neighbor[] = [];
  #generation = 0;
  #resize: ResizeObserver | null = null;
  #labelColumn = -1;
  #size: [number, number] = [0, 0];

  constructor(table: Table, columns: VectorColumn[], options: InspectorOptions = {}) {
    this.#table = table;
    this.#columns = columns;
    this.#options = options;
    this.element = h("div", "cnb-inspector");
    const controls = h("div", "cnb-insp-controls");
    this.#columnSelect = h("select");
    this.#columnSelect.title = "Vector column";
    for (const c of columns) {
      const o = h("option", "", `${c.name} (${c.dim}-d)`);
      o.value = String(c.index);
      this.#columnSelect.append(o);
    }
    this.#columnSelect.addEventListener("change", () => void this.#load(Number(this.#columnSelect.value)));
    this.#labelSelect = h("select");
    this.#labelSelect.title = "Column shown on hover and in the neighbour list";
    const none = h("option", "", "(row number)");
    none.value = "-1";
    this.#labelSelect.append(none);
    table.schema.fields.forEach((f, i) => {
      if (columns.some((c) => c.index === i)) return;
      const o = h("option", "", f.name);
      o.value = String(i);
      this.#labelSelect.append(o);
    });
    this.#labelColumn = table.schema.fields.findIndex((f) => DataType.isUtf8(f.type) || DataType.isLargeUtf8(f.type));
    this.#labelSelect.value = String(this.#labelColumn);
    this.#labelSelect.addEventListener("change", () => {
      this.#labelColumn = Number(this.#labelSelect.value);
      this.#renderNeighbours();
    });
    this.#status = h("span", "cnb-muted", "");
    controls.append(h("span", "", "vectors"), this.#columnSelect, h("span", "", "label"), this.#labelSelect, this.#status);

    const main = h("div", "cnb-insp-main");
    this.#wrap = h("div", "cnb-scatter-wrap");
    this.#canvas = h("canvas");
    this.#canvas.setAttribute("role", "img");
    this.#canvas.setAttribute("aria-label", "2-D PCA projection of the vectors");
    this.#tooltip = h("div", "cnb-tooltip");
    this.#tooltip.hidden = true;
    this.#wrap.append(this.#canvas, this.#tooltip);
    this.#canvas.addEventListener("mousemove", (e) => this.#onHover(e));
    this.#canvas.addEventListener("mouseleave", () => { this.#hovered = -1; this.#tooltip.hidden = true; this.#drawOverlay(); });
    this.#canvas.addEventListener("click", (e) => this.#onClick(e));

    const side = h("div", "cnb-side");
    this.#hist = h("canvas", "cnb-hist");
    this.#histStats = h("div", "cnb-muted");
    this.#neighbourHead = h("div", "cnb-muted", "Click a point to list its nearest neighbours (cosine).");
    this.#neighbourList = h("ol", "cnb-neighbours");
    side.append(h("h4", "", "Vector norms"), this.#hist, this.#histStats, h("h4", "", "Nearest neighbours"), this.#neighbourHead, this.#neighbourList);
    main.append(this.#wrap, side);
    this.element.append(controls, main);
  }

  /** Computes and draws; call once the element is attached and visible. */
  async start(): Promise<void> {
    if (this.#column || this.#columns.length === 0) return;
    if (typeof ResizeObserver !== "undefined") {
      let last = 0;
      this.#resize = new ResizeObserver(() => {
        const w = this.#wrap.clientWidth;
        if (w !== last && this.#pca) this.#drawScatter();
        last = w;
      });
      this.#resize.observe(this.#wrap);
    }
    await this.#load(this.#columns[0]!.index);
  }

  /** Selects a row as if its point was clicked. */
  select(row: number): void {
    void this.#select(row);
  }

  dispose(): void {
    this.#generation++;
    this.#resize?.disconnect();
    this.#client?.dispose();
    this.element.remove();
  }

  async #load(columnIndex: number): Promise<void> {
    const generation = ++this.#generation;
    const t0 = performance.now();
    const column = this.#columns.find((c) => c.index === columnIndex)!;
    this.#column = column;
    this.#pca = null;
    this.#grid = null;
    this.#selected = -1;
    this.#neighbours = [];
    this.#renderNeighbours();
    this.#client?.dispose();
    this.#client = new EmbeddingClient({ allowWorker: this.#options.allowWorker });
    this.#status.textContent = `Reading ${formatCount(column.rows)} vectors…`;
    this.#packed = column.pack();
    const { matrix, rows, dim, valid } = this.#packed;
    const loaded = await this.#client.request({ type: "load", matrix, rows, dim, valid });
    if (generation !== this.#generation) return;
    if (loaded.type !== "load") return this.#fail(loaded);
    this.#norms = loaded.norms;
    this.#drawHistogram();
    this.#status.textContent = `Projecting ${formatCount(rows)} × ${dim} with PCA…`;
    const res = await this.#client.request({ type: "pca" });
    if (generation !== this.#generation) return;
    if (res.type !== "pca") return this.#fail(res);
    this.#pca = res.result;
    const r = res.result;
    const pcs = r.explainedRatio.map((x, i) => `PC${i + 1} ${(x * 100).toFixed(1)}%`).join(", ");
    const fitted = r.fittedRows < rows ? ` (fitted on ${formatCount(r.fittedRows)} rows)` : "";
    this.#status.textContent = `PCA of ${formatCount(rows)} × ${dim}${fitted}: ${pcs} · ${Math.round(r.ms)} ms ${this.#client.usesWorker ? "in a worker" : "on the main thread"}`;
    this.#drawScatter();
    this.#options.onReady?.({ rows, dim, ms: performance.now() - t0, pcaMs: r.ms, worker: this.#client.usesWorker });
  }

  #fail(res: { type: string; message?: string }): void {
    this.#status.textContent = `Could not compute: ${res.message ?? res.type}`;
    this.#status.className = "cnb-error";
  }

  #drawHistogram(): void {
    const norms = this.#norms!;
    const width = Math.max(200, this.#hist.clientWidth || 280), height = 90;
    const ctx = fitCanvas(this.#hist, width, height);
    const hst = histogram(norms, 40);
    const valid = norms.length - hst.skipped;
    let sum = 0;
    for (const x of norms) if (!Number.isNaN(x)) sum += x;
    this.#histStats.textContent = valid === 0
      ? "no vectors"
      : `min ${formatNumber(hst.min, 4)} · mean ${formatNumber(sum / valid, 4)} · max ${formatNumber(hst.max, 4)}` +
        (hst.skipped ? ` · ${formatCount(hst.skipped)} null` : "");
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    if (valid > 0 && hst.max - hst.min <= 1e-4 * Math.abs(hst.max)) {
      // Normalized embeddings: every norm is 1 to float precision; 40 bins of rounding noise would mislead.
      this.#histStats.textContent = `all ${formatCount(valid)} norms ≈ ${formatNumber(hst.max, 5)} (normalized vectors)`;
      ctx.fillStyle = themeColor(this.element, "--vscode-charts-blue", "#3794ff");
      ctx.fillRect(width / 2 - 3, 2, 6, height - 2);
      return;
    }
    let max = 0;
    for (const c of hst.counts) max = Math.max(max, c);
    if (max === 0) return;
    ctx.fillStyle = themeColor(this.element, "--vscode-charts-blue", "#3794ff");
    const bw = width / hst.counts.length;
    hst.counts.forEach((c, i) => {
      const bh = (c / max) * (height - 2);
      ctx.fillRect(i * bw, height - bh, Math.max(1, bw - 1), bh);
    });
  }

  #drawScatter(): void {
    const proj = this.#pca!.projection;
    const width = Math.max(200, this.#wrap.clientWidth), height = Math.max(200, this.#wrap.clientHeight);
    const ctx = fitCanvas(this.#canvas, width, height);
    if (!ctx) return;
    this.#size = [width, height];
    const t = fitPoints(proj, width, height, 14);
    this.#grid = new PointGrid(proj, t, width, height);
    const dpr = this.#canvas.width / width;
    const img = ctx.createImageData(this.#canvas.width, this.#canvas.height);
    const [r, g, b] = parseColor(ctx, themeColor(this.element, "--vscode-charts-blue", "#3794ff"));
    const n = proj.length >> 1;
    const alpha = n > 20_000 ? 0.3 : n > 2_000 ? 0.55 : 0.85;
    const size = Math.max(1, Math.round((n > 20_000 ? 1.5 : n > 2_000 ? 2 : 3.5) * dpr));
    const data = img.data, W = img.width, H = img.height;
    for (let i = 0; i < n; i++) {
      const [sx, sy] = toScreen(t, proj[2 * i]!, proj[2 * i + 1]!);
      if (Number.isNaN(sx) || Number.isNaN(sy)) continue;
      const px = Math.round(sx * dpr - size / 2), py = Math.round(sy * dpr - size / 2);
      for (let yy = py; yy < py + size; yy++) {
        if (yy < 0 || yy >= H) continue;
        for (let xx = px; xx < px + size; xx++) {
          if (xx < 0 || xx >= W) continue;
          const o = (yy * W + xx) * 4;
          // One colour for all points: only coverage (alpha) accumulates.
          const a = data[o + 3]! / 255;
          data[o] = r; data[o + 1] = g; data[o + 2] = b;
          data[o + 3] = Math.round((a + alpha * (1 - a)) * 255);
        }
      }
    }
    this.#base = img;
    this.#drawOverlay();
  }

  #drawOverlay(): void {
    if (!this.#base || !this.#grid) return;
    const ctx = this.#canvas.getContext("2d")!;
    ctx.putImageData(this.#base, 0, 0);
    const [, height] = this.#size;
    const fg = themeColor(this.element, "--vscode-descriptionForeground", "#999");
    ctx.fillStyle = fg;
    ctx.font = "11px sans-serif";
    const ratios = this.#pca?.explainedRatio ?? [];
    ctx.fillText(`PC1 ${((ratios[0] ?? 0) * 100).toFixed(1)}% →`, 6, height - 6);
    ctx.save();
    ctx.translate(12, 110);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`PC2 ${((ratios[1] ?? 0) * 100).toFixed(1)}% →`, 0, 0);
    ctx.restore();
    const ring = (i: number, color: string, radius: number): void => {
      const [x, y] = this.#grid!.position(i);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, Math.PI * 2);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.stroke();
    };
    const orange = themeColor(this.element, "--vscode-charts-orange", "#d18616");
    for (const nb of this.#neighbours) ring(nb.index, orange, 4);
    if (this.#selected >= 0) ring(this.#selected, themeColor(this.element, "--vscode-charts-red", "#f14c4c"), 6);
    if (this.#hovered >= 0) ring(this.#hovered, themeColor(this.element, "--vscode-foreground", "#ccc"), 5);
  }

  #pointAt(e: MouseEvent): number {
    if (!this.#grid) return -1;
    const rect = this.#canvas.getBoundingClientRect();
    return this.#grid.nearest(e.clientX - rect.left, e.clientY - rect.top, 8);
  }

  #onHover(e: MouseEvent): void {
    const i = this.#pointAt(e);
    if (i === this.#hovered) return;
    this.#hovered = i;
    if (i < 0) {
      this.#tooltip.hidden = true;
    } else {
      const rect = this.#canvas.getBoundingClientRect();
      const label = this.#label(i, 300);
      this.#tooltip.textContent = `row ${i}${this.#norms ? ` · norm ${formatNumber(this.#norms[i]!, 4)}` : ""}${label ? `\n${label}` : ""}`;
      this.#tooltip.hidden = false;
      const x = e.clientX - rect.left, y = e.clientY - rect.top;
      this.#tooltip.style.left = `${Math.min(x + 12, Math.max(0, rect.width - 200))}px`;
      this.#tooltip.style.top = `${Math.min(y + 12, Math.max(0, rect.height - 60))}px`;
    }
    this.#drawOverlay();
  }

  #onClick(e: MouseEvent): void {
    const i = this.#pointAt(e);
    if (i >= 0) void this.#select(i);
  }

  async #select(row: number): Promise<void> {
    if (!this.#client) return;
    this.#selected = row;
    this.#neighbours = [];
    this.#neighbourHead.textContent = `Row ${row}: searching…`;
    this.#drawOverlay();
    const generation = this.#generation;
    const res = await this.#client.request({ type: "neighbors", query: row, k: NEIGHBOURS });
    if (generation !== this.#generation || this.#selected !== row) return;
    this.#neighbours = res.type === "neighbors" ? res.neighbors : [];
    this.#renderNeighbours();
    this.#drawOverlay();
  }

  #renderNeighbours(): void {
    this.#neighbourList.replaceChildren();
    if (this.#selected < 0) {
      this.#neighbourHead.textContent = "Click a point to list its nearest neighbours (cosine).";
      return;
    }
    const head = this.#neighbourHead;
    const label = this.#label(this.#selected, 120);
    head.replaceChildren(h("span", "", `row ${this.#selected}${label ? `: ${label}` : ""} `));
    if (this.#options.onRevealRow) {
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

  #label(row: number, max: number): string {
    if (this.#labelColumn < 0) return "";
    const v = this.#table.getChildAt(this.#labelColumn)?.get(row) as unknown;
    return formatValue(v, { maxLength: max });
  }
}

/** Any CSS colour → [r, g, b], letting the canvas normalize it. */
function parseColor(ctx: CanvasRenderingContext2D, color: string): [number, number, number] {
  ctx.fillStyle = "#3794ff";
  ctx.fillStyle = color;
  const s = String(ctx.fillStyle);
  if (s.startsWith("#") && s.length === 7) return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [55, 148, 255];
}
