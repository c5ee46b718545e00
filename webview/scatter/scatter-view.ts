/**
 * The inspector's scatter plot: GPU points (GlPoints, or CpuPoints without WebGL2) under a 2-D canvas for what is
 * drawn over them (the lasso or box being drawn, rings on the picked point and its neighbours, axis labels).
 * Drag pans, the wheel zooms (once the plot has the focus, or with Ctrl, so the notebook still scrolls past it),
 * double-click fits. Where a full draw takes longer than a frame (a million points on a software GL), a pan or zoom
 * moves the last drawn image with a CSS transform at once and redraws sharply when the gesture pauses;
 * where it is fast, every frame is drawn. in box or lasso mode (or with Shift held) a drag selects. Hover and click find the nearest point
 * through a data-space grid (PointIndex), so neither depends on the zoom.
 *
 * DOM hooks for tests: the element has data-chalknb="scatter", data-backend ("webgl2" | "canvas2d"), data-gl (why that
 * one), data-points,
 * data-mode, data-selected (rows selected) and data-matches (rows matching the search).
 */
import { h } from "../dom.js";
import { PointIndex } from "../lib/point-index.js";
import { fitPoints, panBy, type ScatterTransform, toData, toScreen, zoomAt } from "../lib/scatter.js";
import { selectInBox, selectInPolygon } from "../lib/selection.js";
import { CpuPoints } from "./cpu-points.js";
import { FLAG_MATCH, FLAG_SELECTED, GlPoints } from "./gl-points.js";

export type SelectMode = "pan" | "box" | "lasso";

export interface ScatterMarks {
  picked: number;
  neighbours: number[];
  hovered: number;
}

export interface ScatterViewOptions {
  onHover?(row: number, x: number, y: number): void;
  onPick?(row: number): void;
  onSelect?(rows: Uint32Array, how: "box" | "lasso" | "clear"): void;
  /** Colours resolved from the theme. */
  colors?: { picked: string; neighbour: string; hover: string; text: string; stroke: string; match: [number, number, number] };
  /**
   * "auto" (default): WebGL2 on a GPU; the canvas 2-D drawing where there is no WebGL2 or the GL is emulated on the
   * CPU (measured 2–3× faster there at a million points). The benchmark forces each to compare them.
   */
  backend?: "auto" | "webgl2" | "canvas2d";
  /** Same as backend: "canvas2d". */
  forceCpu?: boolean;
  /** false: no density shading (plain alpha blending). */
  density?: boolean;
}

const HOVER_RADIUS_PX = 8;
/** A full draw slower than this moves the last image during gestures instead of redrawing every frame. */
const LIVE_DRAW_MS = 12;
/** Quiet time after the last pan or zoom step before the sharp redraw. */
const SETTLE_MS = 120;

export class ScatterView {
  readonly element: HTMLDivElement;
  #glCanvas: HTMLCanvasElement;
  readonly #overlay: HTMLCanvasElement;
  readonly #points: GlPoints | CpuPoints;
  readonly #options: ScatterViewOptions;
  #xy: Float32Array = new Float32Array(0);
  #index: PointIndex | null = null;
  #view: ScatterTransform = { scale: 1, offsetX: 0, offsetY: 0 };
  #fitScale = 1;
  #size: [number, number] = [0, 0];
  #frame = 0;
  #mode: SelectMode = "pan";
  #drag: { x: number; y: number; moved: boolean; kind: SelectMode; path: number[]; view: ScatterTransform } | null = null;
  #marks: ScatterMarks = { picked: -1, neighbours: [], hovered: -1 };
  #axes: [string, string] = ["", ""];
  #selected: Uint32Array | null = null;
  #matches: Uint32Array | null = null;
  #drawnView: ScatterTransform = { scale: 1, offsetX: 0, offsetY: 0 };
  #lastDrawMs = 0;
  #settle: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ScatterViewOptions = {}) {
    this.#options = options;
    this.element = h("div", "cnb-scatter-wrap");
    this.element.tabIndex = 0;
    this.element.dataset.chalknb = "scatter";
    this.#glCanvas = h("canvas", "cnb-scatter-points");
    this.#overlay = h("canvas", "cnb-scatter-overlay");
    this.#overlay.setAttribute("role", "img");
    this.#overlay.setAttribute("aria-label", "2-D projection of the vectors");
    this.element.append(this.#glCanvas, this.#overlay);
    const want = options.forceCpu ? "canvas2d" : options.backend ?? "auto";
    let points: GlPoints | CpuPoints | null = null;
    let glSoftware = false;
    if (want !== "canvas2d") {
      try {
        const gl = new GlPoints(this.#glCanvas, { density: options.density });
        if (want === "webgl2" || !gl.software) points = gl;
        else {
          gl.dispose();
          glSoftware = true;
          // A canvas that gave a WebGL context cannot give a 2-D one: draw on a fresh canvas.
          const fresh = h("canvas", "cnb-scatter-points");
          this.#glCanvas.replaceWith(fresh);
          this.#glCanvas = fresh;
        }
      } catch {
        points = null;
      }
    }
    points ??= new CpuPoints(this.#glCanvas);
    this.#points = points;
    this.element.dataset.backend = points instanceof GlPoints ? "webgl2" : "canvas2d";
    this.element.dataset.gl = points instanceof GlPoints ? (points.software ? "webgl2 (software)" : "webgl2") : want === "canvas2d" ? "canvas2d (asked for)" : glSoftware ? "canvas2d (WebGL2 is software here)" : "canvas2d (no WebGL2)";
    this.element.dataset.points = "0";
    this.element.dataset.mode = this.#mode;
    this.element.dataset.selected = "0";
    this.element.dataset.matches = "0";
    this.#overlay.addEventListener("pointerdown", (e) => this.#onDown(e));
    this.#overlay.addEventListener("pointermove", (e) => this.#onMove(e));
    this.#overlay.addEventListener("pointerup", (e) => this.#onUp(e));
    this.#overlay.addEventListener("pointerleave", () => {
      if (!this.#drag) this.#hover(-1, 0, 0);
    });
    this.#overlay.addEventListener("wheel", (e) => this.#onWheel(e), { passive: false });
    this.#overlay.addEventListener("dblclick", () => this.fit());
    this.element.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.#selected) this.#options.onSelect?.(new Uint32Array(0), "clear");
    });
  }

  get backend(): "webgl2" | "canvas2d" {
    return this.#points instanceof GlPoints ? "webgl2" : "canvas2d";
  }

  get density(): boolean {
    return this.#points.density;
  }

  get view(): ScatterTransform {
    return this.#view;
  }

  set view(t: ScatterTransform) {
    this.#view = t;
    this.requestDraw();
  }

  get mode(): SelectMode {
    return this.#mode;
  }

  set mode(m: SelectMode) {
    this.#mode = m;
    this.element.dataset.mode = m;
  }

  /** The points (interleaved x, y, data units; NaN for rows without a position). Fits the view. */
  setPoints(xy: Float32Array): void {
    this.#xy = xy;
    this.#points.setPositions(xy);
    this.#index = new PointIndex(xy);
    this.#selected = null;
    this.#matches = null;
    this.#marks = { picked: -1, neighbours: [], hovered: -1 };
    this.element.dataset.points = String(xy.length >> 1);
    this.element.dataset.selected = "0";
    this.element.dataset.matches = "0";
    this.fit();
  }

  get points(): Float32Array {
    return this.#xy;
  }

  setColors(codes: Uint8Array, palette: Uint8Array): void {
    this.#points.setCodes(codes);
    this.#points.setPalette(palette);
    this.requestDraw();
  }

  /** Rows drawn emphasised: the selection, and the matches of a text search (null: none). */
  setHighlights(selected: Uint32Array | null, matches: Uint32Array | null): void {
    this.#selected = selected && selected.length > 0 ? selected : null;
    this.#matches = matches && matches.length > 0 ? matches : null;
    this.element.dataset.selected = String(selected?.length ?? 0);
    this.element.dataset.matches = String(matches?.length ?? 0);
    if (!this.#selected && !this.#matches) this.#points.setFlags(null);
    else {
      const flags = new Uint8Array(this.#xy.length >> 1);
      if (this.#selected) for (const i of this.#selected) flags[i]! |= FLAG_SELECTED;
      if (this.#matches) for (const i of this.#matches) flags[i]! |= FLAG_MATCH;
      this.#points.setFlags(flags);
    }
    this.requestDraw();
  }

  setMarks(marks: Partial<ScatterMarks>): void {
    this.#marks = { ...this.#marks, ...marks };
    this.#drawOverlay();
  }

  setAxes(x: string, y: string): void {
    this.#axes = [x, y];
    this.#drawOverlay();
  }

  /** Fits every point in the plot. */
  fit(): void {
    this.#measure();
    const [w, hgt] = this.#size;
    this.#view = fitPoints(this.#xy, w, hgt, 14);
    this.#fitScale = this.#view.scale;
    this.requestDraw();
  }

  /** Call when the element's size may have changed. */
  resize(): void {
    const [w0, h0] = this.#size;
    this.#measure();
    const [w, hgt] = this.#size;
    if (w === w0 && hgt === h0) return;
    if (w0 === 0) this.fit();
    else {
      this.#view = { ...this.#view, offsetX: this.#view.offsetX + (w - w0) / 2, offsetY: this.#view.offsetY + (hgt - h0) / 2 };
      this.requestDraw();
    }
  }

  requestDraw(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.drawNow();
    });
  }

  /** Pans by screen px as a drag does. */
  panGesture(dx: number, dy: number): void {
    this.#gesture(panBy(this.#view, dx, dy));
  }

  /** Zooms about (x, y) as the wheel does. */
  zoomGesture(factor: number, x: number, y: number): void {
    this.#gesture(zoomAt(this.#view, factor, x, y, this.#fitScale / 4, this.#fitScale * 4096));
  }

  /** Milliseconds of the last full draw. */
  get lastDrawMs(): number {
    return this.#lastDrawMs;
  }

  #gesture(view: ScatterTransform): void {
    this.#view = view;
    if (this.#lastDrawMs <= LIVE_DRAW_MS) {
      this.requestDraw();
      return;
    }
    const d = this.#drawnView, k = view.scale / d.scale;
    this.#glCanvas.style.transformOrigin = "0 0";
    this.#glCanvas.style.transform = `translate(${view.offsetX - d.offsetX * k}px, ${view.offsetY - d.offsetY * k}px) scale(${k})`;
    this.#drawOverlay();
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => this.requestDraw(), SETTLE_MS);
  }

  /** Draws at once and waits for the GPU to finish; returns the milliseconds it took (the benchmark's frame time). */
  drawNow(): number {
    const t0 = performance.now();
    clearTimeout(this.#settle);
    if (this.#size[0] === 0) this.#measure();
    const [width, height] = this.#size;
    const dpr = Math.max(1, globalThis.devicePixelRatio || 1);
    this.#points.draw({ view: this.#view, width, height, dpr, pointSize: this.#pointSize(), dim: 0.12, matchColor: this.#options.colors?.match ?? [255, 200, 0], flaggedGrow: this.#flaggedCount() > Math.max(200, (this.#xy.length >> 1) / 100) ? 0 : 2 });
    this.#points.finish();
    this.#glCanvas.style.transform = "";
    this.#drawnView = this.#view;
    this.#drawOverlay();
    this.#lastDrawMs = performance.now() - t0;
    return this.#lastDrawMs;
  }

  #flaggedCount(): number {
    return (this.#selected?.length ?? 0) + (this.#matches?.length ?? 0);
  }

  dispose(): void {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    clearTimeout(this.#settle);
    this.#points.dispose();
    this.element.remove();
  }

  #measure(): void {
    this.#size = [Math.max(200, this.element.clientWidth), Math.max(200, this.element.clientHeight)];
  }

  #pointSize(): number {
    const n = this.#xy.length >> 1;
    const base = n > 200_000 ? 1.5 : n > 20_000 ? 2 : n > 2_000 ? 3 : 5;
    // Zoomed in, points grow a little so a sparse area is still visible, but never to blobs.
    return Math.min(8, base * Math.sqrt(Math.max(1, this.#view.scale / this.#fitScale)));
  }

  #local(e: MouseEvent): [number, number] {
    const r = this.#overlay.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  #nearest(sx: number, sy: number): number {
    if (!this.#index) return -1;
    const [x, y] = toData(this.#view, sx, sy);
    return this.#index.nearest(x, y, HOVER_RADIUS_PX / this.#view.scale);
  }

  #hover(row: number, x: number, y: number): void {
    if (row === this.#marks.hovered) return;
    this.#marks.hovered = row;
    this.#options.onHover?.(row, x, y);
    this.#drawOverlay();
  }

  #onDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.element.focus({ preventScroll: true });
    const [x, y] = this.#local(e);
    const kind: SelectMode = e.shiftKey ? "lasso" : this.#mode;
    this.#drag = { x, y, moved: false, kind, path: [x, y], view: this.#view };
    this.#overlay.setPointerCapture?.(e.pointerId);
  }

  #onMove(e: PointerEvent): void {
    const [x, y] = this.#local(e);
    const d = this.#drag;
    if (!d) {
      this.#hover(this.#nearest(x, y), x, y);
      return;
    }
    if (!d.moved && Math.hypot(x - d.x, y - d.y) < 3) return;
    d.moved = true;
    if (d.kind === "pan") {
      this.#gesture(panBy(d.view, x - d.x, y - d.y));
    } else {
      if (d.kind === "lasso") d.path.push(x, y);
      else d.path = [d.x, d.y, x, y];
      this.#drawOverlay();
    }
  }

  #onUp(e: PointerEvent): void {
    const d = this.#drag;
    this.#drag = null;
    if (!d) return;
    const [x, y] = this.#local(e);
    if (!d.moved) {
      const row = this.#nearest(x, y);
      if (row >= 0) this.#options.onPick?.(row);
      return;
    }
    if (d.kind === "pan") {
      this.requestDraw();
      return;
    }
    this.#drawOverlay();
    const rows = d.kind === "box"
      ? this.#selectBox(d.x, d.y, x, y)
      : this.#selectLasso(d.path);
    this.#options.onSelect?.(rows, d.kind);
  }

  /** Box selection in screen px → rows (the test hook and the drag both end here). */
  #selectBox(x0: number, y0: number, x1: number, y1: number): Uint32Array {
    const [ax, ay] = toData(this.#view, x0, y0), [bx, by] = toData(this.#view, x1, y1);
    return selectInBox(this.#xy, ax, ay, bx, by);
  }

  #selectLasso(screenPath: number[]): Uint32Array {
    const poly = new Float64Array(screenPath.length);
    for (let i = 0; i + 1 < screenPath.length; i += 2) {
      const [x, y] = toData(this.#view, screenPath[i]!, screenPath[i + 1]!);
      poly[i] = x;
      poly[i + 1] = y;
    }
    return selectInPolygon(this.#xy, poly);
  }

  /** Selects with a lasso given in screen px relative to the plot, as a drag would (tests and automation). */
  lasso(screenPath: number[]): Uint32Array {
    const rows = this.#selectLasso(screenPath);
    this.#options.onSelect?.(rows, "lasso");
    return rows;
  }

  #onWheel(e: WheelEvent): void {
    // Over an unfocused plot the wheel belongs to the notebook, so a user scrolling past is not trapped.
    if (!e.ctrlKey && document.activeElement !== this.element) return;
    e.preventDefault();
    const [x, y] = this.#local(e);
    this.zoomGesture(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), x, y);
  }

  #drawOverlay(): void {
    const [width, height] = this.#size;
    if (width === 0) return;
    const dpr = Math.max(1, globalThis.devicePixelRatio || 1);
    const W = Math.round(width * dpr), H = Math.round(height * dpr);
    if (this.#overlay.width !== W) this.#overlay.width = W;
    if (this.#overlay.height !== H) this.#overlay.height = H;
    const ctx = this.#overlay.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const c = this.#options.colors ?? { picked: "#f14c4c", neighbour: "#d18616", hover: "#cccccc", text: "#999999", stroke: "#cccccc", match: [255, 200, 0] };
    ctx.fillStyle = c.text;
    ctx.font = "11px sans-serif";
    if (this.#axes[0]) ctx.fillText(this.#axes[0], 6, height - 6);
    if (this.#axes[1]) {
      ctx.save();
      ctx.translate(12, 110);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(this.#axes[1], 0, 0);
      ctx.restore();
    }
    const ring = (i: number, color: string, radius: number): void => {
      if (i < 0 || 2 * i + 1 >= this.#xy.length) return;
      const [x, y] = toScreen(this.#view, this.#xy[2 * i]!, this.#xy[2 * i + 1]!);
      if (Number.isNaN(x)) return;
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, Math.PI * 2);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.stroke();
    };
    for (const nb of this.#marks.neighbours) ring(nb, c.neighbour, 4);
    ring(this.#marks.picked, c.picked, 6);
    ring(this.#marks.hovered, c.hover, 5);
    const d = this.#drag;
    if (d?.moved && d.kind !== "pan" && d.path.length >= 4) {
      ctx.strokeStyle = c.stroke;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      if (d.kind === "box") {
        ctx.rect(d.path[0]!, d.path[1]!, d.path[2]! - d.path[0]!, d.path[3]! - d.path[1]!);
      } else {
        ctx.moveTo(d.path[0]!, d.path[1]!);
        for (let i = 2; i + 1 < d.path.length; i += 2) ctx.lineTo(d.path[i]!, d.path[i + 1]!);
        ctx.closePath();
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
}
