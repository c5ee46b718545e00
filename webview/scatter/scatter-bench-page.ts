/**
 * Entry of the scatter benchmark page (bundled by bench/webview-bench.ts, not part of the renderer): draws n synthetic
 * points in clusters with the real ScatterView and reports the first draw and pan/zoom frame times.
 */
import { autoCodes, paletteFor } from "../lib/color-scale.js";
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
  panMedianMs: number;
  panP95Ms: number;
  zoomMedianMs: number;
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

export async function runScatterBench(n: number, forceCpu = false): Promise<ScatterBenchResult> {
  ensureInspectorStyles(document);
  const host = document.createElement("div");
  host.style.width = "900px";
  document.body.append(host);
  const view = new ScatterView({ forceCpu });
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
  const frames = (step: (i: number) => void): number[] => {
    const ms: number[] = [];
    for (let i = 0; i < 40; i++) {
      step(i);
      ms.push(view.drawNow());
    }
    return ms.sort((a, b) => a - b);
  };
  const pan = frames((i) => { view.view = panBy(view.view, i % 2 ? 7 : -5, i % 3 ? 3 : -4); });
  const zoom = frames((i) => { view.view = zoomAt(view.view, i < 20 ? 1.1 : 1 / 1.1, 450, 300); });
  const t1 = performance.now();
  const lassoRows = view.lasso([300, 150, 600, 180, 650, 450, 350, 420, 250, 300]).length;
  const lassoMs = performance.now() - t1;
  const result = {
    backend: view.backend, density: view.density, points: n, firstDrawMs, uploadMs,
    panMedianMs: pan[20]!, panP95Ms: pan[37]!, zoomMedianMs: zoom[20]!, lassoMs, lassoRows,
  };
  view.dispose();
  host.remove();
  return result;
}

(window as unknown as { runScatterBench: typeof runScatterBench }).runScatterBench = runScatterBench;
