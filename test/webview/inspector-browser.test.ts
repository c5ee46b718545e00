/**
 * The inspector in headless Chromium under the notebook webview's strict CSP: the real InspectorView, its Worker
 * (PCA, UMAP) and scatter, driven with the mouse; and the same view on a lazy table whose requests run the kernel's
 * real inspector ops in this process (the test relays them where VS Code's renderer messaging would), so a lasso
 * binds `selection`. Skipped where Chromium is not installed (.ci/setup-vscode-e2e.sh installs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { chromium, type Page } from "playwright-core";
import type { Table } from "apache-arrow";
import { arrowFile, makeEmbeddingTable, servePage } from "../../bench/webview-page.js";
import { runTableOp } from "../../kernel/table-ops/index.js";

// These run inside the page (waitForFunction / evaluate); the root tsconfig has no DOM lib.
interface PageElement {
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): { textContent: string | null } | null;
}
type HTMLElement = PageElement;
declare const document: {
  querySelector<E = PageElement>(selector: string): (E & PageElement) | null;
  querySelectorAll<E = PageElement>(selector: string): ArrayLike<E & PageElement>;
};
declare const window: { mountInspector(url: string, kernel: boolean): Promise<void> };

const root = join(import.meta.dirname, "../../..");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = existsSync(chromiumPath) ? false : `needs Chromium at ${chromiumPath}`;
const ROWS = 3_000;

async function bundlePage(): Promise<Uint8Array> {
  const common = { bundle: true, platform: "browser", target: "es2022", write: false, logLevel: "warning" } as const;
  const worker = await esbuild.build({ ...common, entryPoints: [join(root, "webview/pca-worker.ts")], format: "iife" });
  const page = await esbuild.build({
    ...common, entryPoints: [join(root, "webview/scatter/inspector-test-page.ts")], format: "esm",
    define: { __CHALKNB_PCA_WORKER__: JSON.stringify(worker.outputFiles[0]!.text) },
  });
  return page.outputFiles[0]!.contents;
}

async function waitReady(page: Page, nth: number, projection: string): Promise<void> {
  await page.waitForFunction(([i, p]) => {
    const e = document.querySelectorAll<HTMLElement>('[data-chalknb="inspector"]')[i as number];
    if (e?.dataset.state === "error") throw new Error(e.querySelector('[data-chalknb="status"]')?.textContent ?? "error");
    return e?.dataset.state === "ready" && e.dataset.projection === p;
  }, [nth, projection] as const, { timeout: 120_000 });
}

/** Drags on the plot of the nth inspector through the given points (fractions of its box). */
async function drag(page: Page, nth: number, points: [number, number][], shift = false): Promise<void> {
  const box = (await page.locator('[data-chalknb="scatter"]').nth(nth).boundingBox())!;
  const at = ([fx, fy]: [number, number]): [number, number] => [box.x + fx * box.width, box.y + fy * box.height];
  if (shift) await page.keyboard.down("Shift");
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
  if (shift) await page.keyboard.up("Shift");
}

function hook(page: Page, nth: number, selector: string, key: string): Promise<string | undefined> {
  return page.locator('[data-chalknb="inspector"]').nth(nth).locator(selector).evaluate((e, k) => (e as HTMLElement).dataset[k], key);
}

test("inspector in Chromium: worker PCA and UMAP, colour, search, box and lasso selection; on a lazy table the kernel ops bind selection", { skip, timeout: 300_000 }, async () => {
  const table = makeEmbeddingTable(ROWS, 64);
  const server = await servePage(root, { "data.arrow": arrowFile(table), "inspector-test.js": await bundlePage() }, {
    pageJs: 'import "/inspector-test.js"; window.pageReady = true;',
  });
  const profile = mkdtempSync(join(tmpdir(), "chalknb-inspector-test-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath, headless: true, viewport: { width: 1200, height: 1000 },
    args: ["--no-sandbox", "--enable-unsafe-swiftshader", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const vars: Record<string, unknown> = {};
    await page.exposeFunction("kernelRequest", async (op: string, args: unknown) => {
      const { result, ipc } = await runTableOp(op, table, args, { setVariable: (k, v) => { vars[k] = v; } });
      return { result, ipc: ipc ? Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength).toString("base64") : undefined };
    });
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true);

    // 1. The table in the output item: the Worker computes.
    await page.evaluate(() => window.mountInspector("/data.arrow", false));
    await waitReady(page, 0, "pca");
    assert.equal(await hook(page, 0, '[data-chalknb="scatter"]', "points"), String(ROWS));
    const insp = page.locator('[data-chalknb="inspector"]').nth(0);
    await insp.locator('select[data-chalknb="color-by"]').selectOption({ label: "topic" });
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-chalknb="legend"]')?.dataset.kind === "categorical");
    assert.equal(await insp.locator('[data-chalknb="legend"] .cnb-swatch').count(), 8, "one swatch per topic");
    const expected = Array.from({ length: ROWS }, (_, i) => String(table.getChild("text")!.get(i))).filter((t) => t.toLowerCase().includes("(topic 3)")).length;
    await insp.locator('input[data-chalknb="search"]').fill("(Topic 3)");
    await page.waitForFunction((n) => document.querySelector<HTMLElement>('[data-chalknb="scatter"]')?.dataset.matches === String(n), expected);
    await insp.locator('[data-chalknb="mode-box"]').click();
    await drag(page, 0, [[0.001, 0.001], [0.999, 0.999]]);
    assert.equal(await hook(page, 0, '[data-chalknb="selection"]', "rows"), String(ROWS), "a box over the whole plot selects every row");
    await insp.locator('[data-chalknb="clear-selection"]').click();
    assert.equal(await hook(page, 0, '[data-chalknb="selection"]', "rows"), "0");
    await insp.locator('[data-chalknb="mode-pan"]').click();
    await drag(page, 0, [[0.02, 0.02], [0.5, 0.02], [0.5, 0.98], [0.02, 0.98]], true);
    const lassoed = Number(await hook(page, 0, '[data-chalknb="selection"]', "rows"));
    assert.ok(lassoed > 0 && lassoed < ROWS, `a lasso over the left half selected ${lassoed} of ${ROWS}`);
    assert.equal(await hook(page, 0, '[data-chalknb="selection"]', "kernelVariable"), undefined, "no kernel: nothing is bound");
    await insp.locator('select[data-chalknb="projection"]').selectOption("umap");
    await waitReady(page, 0, "umap");

    // 2. A lazy table: the webview holds 100 rows, the kernel ops see all of them.
    await page.evaluate(() => window.mountInspector("/data.arrow", true));
    await waitReady(page, 1, "pca");
    assert.equal(await hook(page, 1, '[data-chalknb="scatter"]', "points"), String(ROWS), "every row is drawn, not just the preview");
    await drag(page, 1, [[0.02, 0.02], [0.6, 0.02], [0.6, 0.98], [0.02, 0.98]], true);
    const selected = Number(await hook(page, 1, '[data-chalknb="selection"]', "rows"));
    assert.ok(selected > 0 && selected < ROWS, `lasso selected ${selected}`);
    await page.waitForFunction(() => document.querySelectorAll<HTMLElement>('[data-chalknb="selection"]')[1]?.dataset.kernelVariable === "selection");
    assert.equal(await hook(page, 1, '[data-chalknb="selection"]', "kernelRows"), String(selected));
    assert.equal((vars.selection as Table).numRows, selected, "the kernel's selection holds the lassoed rows");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
