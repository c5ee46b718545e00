/**
 * Entry of the scatter benchmark page (bundled by bench/webview-bench.ts, not part of the renderer): draws n synthetic
 * points in clusters with the real ScatterView and reports the first draw and pan/zoom frame times.
 */
import { autoCodes } from "../../maths/color-codes.js";
import { paletteFor } from "../lib/color-scale.js";
import { panBy, zoomAt } from "../lib/scatter.js";
import { ensureInspectorStyles } from "./inspector-styles.js";
import { ScatterView } from "./scatter-view.js";

export interface ScatterBenchResult {
  backend: string;
  density: boolean;
  points: number;
  /** setPoints (upload + index) + colours + first frame, GPU finished. */
  firstDrawMs: number;
  uploadMs: number;
  /** A full redraw after a pan step / a zoom step (GPU finished). */
  panMedianMs: number;
  panP95Ms: number;
  zoomMedianMs: number;
  /** Interactive frames: intervals between animation frames while panning/zooming as a drag or the wheel does. */
  gestureFrameMedianMs: number;
  gestureFrameP95Ms: number;
  /** Work per gesture step (what the event handler costs). */
  gestureWorkMedianMs: number;
  liveRedraw: boolean;
  lassoMs: number;
  lassoRows: number;
}

function clustered(n: number, clusters = 12): { xy: Float32Array; cluster: Uint8Array } {
  let seed = 7;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const xy = new Float32Array(n * 2);
  const cluster = new Uint8Array(n);
  const centres = Array.from({ length: clusters }, () => [rand() * 20 - 10, rand() * 20 - 10, 0.5 + rand() * 2]);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    const [cx, cy, s] = centres[c]!;
    // Box–Muller: Gaussian clusters, dense centres and sparse tails, like a real projection.
    const r = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * s!, t = 2 * Math.PI * rand();
    xy[2 * i] = cx! + r * Math.cos(t);
    xy[2 * i + 1] = cy! + r * Math.sin(t);
    cluster[i] = c;
  }
  return { xy, cluster };
}

let previous: (() => void) | undefined;

export async function runScatterBench(n: number, backend: "auto" | "webgl2" | "canvas2d", density = true): Promise<ScatterBenchResult> {
  ensureInspectorStyles(document);
  const host = document.createElement("div");
  host.style.width = "900px";
  document.body.append(host);
  const view = new ScatterView({ backend, density });
  view.element.style.height = "600px";
  view.element.style.position = "relative";
  host.append(view.element);
  const { xy, cluster } = clustered(n);
  const { codes, legend } = autoCodes((i) => cluster[i], n);
  const palette = paletteFor(legend, [55, 148, 255]);
  await new Promise((r) => requestAnimationFrame(r));
  const t0 = performance.now();
  view.setPoints(xy);
  view.setColors(codes, palette);
  const uploadMs = performance.now() - t0;
  view.drawNow();
  const firstDrawMs = performance.now() - t0;
  const againMs = [view.drawNow(), view.drawNow(), view.drawNow()];
  console.log(`redraw same view: ${againMs.map((x) => x.toFixed(0)).join(", ")} ms`);
  const frames = (step: (i: number) => void): number[] => {
    const ms: number[] = [];
    for (let i = 0; i < 12; i++) {
      step(i);
      ms.push(view.drawNow());
    }
    return ms.sort((a, b) => a - b);
  };
  const pan = frames((i) => { view.view = panBy(view.view, i % 2 ? 7 : -5, i % 3 ? 3 : -4); });
  const zoom = frames((i) => { view.view = zoomAt(view.view, i < 6 ? 1.1 : 1 / 1.1, 450, 300); });
  // As a user drags: one gesture step per animation frame, frames timed by requestAnimationFrame.
  const intervals: number[] = [];
  const work: number[] = [];
  let last = await new Promise<number>((r) => requestAnimationFrame(r));
  for (let i = 0; i < 60; i++) {
    const w0 = performance.now();
    if (i % 2) view.panGesture(6, -4);
    else view.zoomGesture(i < 30 ? 1.05 : 1 / 1.05, 450, 300);
    work.push(performance.now() - w0);
    const now = await new Promise<number>((r) => requestAnimationFrame(r));
    intervals.push(now - last);
    last = now;
  }
  intervals.sort((a, b) => a - b);
  work.sort((a, b) => a - b);
  const t1 = performance.now();
  const lassoRows = view.lasso([300, 150, 600, 180, 650, 450, 350, 420, 250, 300]).length;
  const lassoMs = performance.now() - t1;
  const result = {
    backend: view.backend, density: view.density, points: n, firstDrawMs, uploadMs,
    panMedianMs: pan[6]!, panP95Ms: pan[11]!, zoomMedianMs: zoom[6]!, lassoMs, lassoRows,
    gestureFrameMedianMs: intervals[30]!, gestureFrameP95Ms: intervals[56]!, gestureWorkMedianMs: work[30]!, liveRedraw: view.lastDrawMs <= 12,
  };
  // Kept on the page for a screenshot until the next run.
  view.setHighlights(null, Uint32Array.from({ length: 2000 }, (_, i) => i * 7));
  view.fit();
  view.drawNow();
  previous?.();
  previous = () => {
    view.dispose();
    host.remove();
  };
  return result;
}

(window as unknown as { runScatterBench: typeof runScatterBench }).runScatterBench = runScatterBench;
