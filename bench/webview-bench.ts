/**
 * Renderer benchmark in headless Chromium (Debian's /usr/bin/chromium via playwright-core): time to first paint of
 * the table for 100k × 512-d rows (goal ≤ 500 ms) and PCA time for 100k points (goal ≤ 2 s).
 * Run: npm run bench:webview  (needs `node scripts/build-bundles.mjs` and `.ci/setup-vscode-e2e.sh` for chromium).
 * Env: BENCH_ROWS, BENCH_DIM, BENCH_SCREENSHOT=path.
 */
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arrowFile, makeEmbeddingTable, servePage } from "./webview-page.js";

// These run inside the page (page.evaluate / waitForFunction); the root tsconfig has no DOM lib.
declare const window: any;
declare const document: any;
declare const requestAnimationFrame: (cb: (t: unknown) => void) => number;
type HTMLElement = { scrollTop: number };

interface Rendered {
  type: string;
  view: string;
  rows?: number;
  vectorDim?: number;
  ms?: number;
  pcaMs?: number;
  worker?: boolean;
}

const root = join(import.meta.dirname, "../..");
const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const dim = Number(process.env.BENCH_DIM ?? 512);

const tGen = performance.now();
const bytes = arrowFile(makeEmbeddingTable(rows, dim));
console.log(`data: ${rows} × ${dim} float32, Arrow IPC file ${(bytes.byteLength / 1e6).toFixed(1)} MB (generated in ${Math.round(performance.now() - tGen)} ms)`);

const server = await servePage(root, { "data.arrow": bytes });
const profile = mkdtempSync(join(tmpdir(), "chalknb-bench-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1200, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(server.url);
  await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true);
  const syncMs = await page.evaluate(() => (window as unknown as { renderArrow(u: string): Promise<number> }).renderArrow("/data.arrow"));
  const table = await waitMessage(page, "table");
  const rowsShown = await page.locator(".cnb-row:not([hidden])").count();
  console.log(`table first paint: ${Math.round(table.ms!)} ms (renderOutputItem itself ${Math.round(syncMs)} ms; ${rowsShown} row elements in the DOM for ${table.rows} rows) — goal ≤ 500 ms`);

  const tScroll = await page.evaluate(async () => {
    const vp = document.querySelector(".cnb-grid-viewport") as HTMLElement;
    const frames: number[] = [];
    let last = performance.now();
    for (let i = 0; i < 60; i++) {
      vp.scrollTop += 997;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    frames.sort((a, b) => a - b);
    return { median: frames[30]!, p95: frames[57]! };
  });
  console.log(`scroll: median frame ${tScroll.median.toFixed(1)} ms, p95 ${tScroll.p95.toFixed(1)} ms over 60 jumps of ~45 rows`);

  await page.locator("vscode-tab-header", { hasText: "Embeddings" }).click();
  const insp = await waitMessage(page, "inspector", 60_000);
  console.log(`PCA of ${insp.rows} × ${insp.vectorDim}: ${Math.round(insp.pcaMs!)} ms ${insp.worker ? "in a Worker" : "on the main thread"}; inspector ready (pack + norms + PCA + draw) ${Math.round(insp.ms!)} ms — goal ≤ 2000 ms`);
  if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT, fullPage: true });
  if (errors.length) console.log(`page errors: ${errors.join(" | ")}`);
  console.log(`ratios: first paint ${(table.ms! / 500).toFixed(2)} of goal, PCA ${(insp.pcaMs! / 2000).toFixed(2)} of goal`);
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

async function waitMessage(page: import("playwright-core").Page, view: string, timeout = 30_000): Promise<Rendered> {
  const handle = await page.waitForFunction(
    (v) => (window as unknown as { chalknbMessages: Rendered[] }).chalknbMessages.find((m) => m.view === v) ?? null,
    view, { timeout },
  );
  return (await handle.jsonValue()) as Rendered;
}
