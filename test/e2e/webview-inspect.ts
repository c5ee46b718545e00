/**
 * What the runner sees inside VS Code's webviews (the notebook output webview, the dashboard panel): facts about the
 * rendered DOM, and a few actions (open the Embeddings tab, click a vector cell) — the extension host cannot reach
 * the webview DOM, the browser can.
 */
import type { Frame, Page } from "playwright-core";

export interface Checkpoint {
  name: string;
  /** Webview actions, and workbench ones: clickRestartKernel clicks the notebook toolbar's Restart Kernel button. */
  actions?: ("openEmbeddings" | "clickVectorCell" | "clickScatter" | "clickRestartKernel" | "typeRemoteDot" | "wheelTable" | "resizeColumn"
    | "scrollGridToEnd" | "sortGridDescending" | "selectInEmbeddings" | "openTableTab")[];
  /** The grid that scrollGridToEnd / sortGridDescending act on and `largestGrid` describes: the one with the most rows (default), or the first saying "preview of N of M rows" above it. */
  grid?: "largest" | "withNotice";
  /** selectInEmbeddings / openTableTab act on, and `output` describes, the table output whose grid has this column. */
  output?: string;
}

/** The table output named by {@link Checkpoint.output}: its inspector's selection and its grid's rows. */
export interface OutputFacts {
  /** The inspector's data-state and data-source, and the plot's data-points. */
  inspectorState: string;
  inspectorSource: string;
  points: number;
  /** The selection panel: rows selected, and the kernel variable bound to them (with its row count) once bound. */
  selectedRows: number;
  kernelVariable: string;
  kernelRows: number;
  /** The grid: rows it scrolls through (aria-rowcount), the "N selected rows" toolbar item (empty when hidden). */
  gridRows: number;
  shownRowsLabel: string;
  shownRowsData: number;
  /** Row-number cells drawn in the grid, and how many still wait for the kernel ("…"). */
  rowNumbers: string[];
  pending: number;
}

export interface WebviewFacts {
  frames: number;
  tables: number;
  rowElements: number;
  rowCountBadges: string[];
  headers: string[];
  headerTypes: string[];
  vectorCells: string[];
  detailText: string;
  progressViews: number;
  progressTiles: number;
  progressHeadlines: string[];
  images: number;
  hostileTextShownAsText: boolean;
  inspectorStatus: string;
  neighbours: number;
  /** One per function card of the dashboard: its name and metrics (`workers`, `rows-out`, `failures`, …). */
  dashboardCards: Array<{ function: string; metrics: Record<string, string> }>;
  /** The dashboard's page width, and whether it fits without horizontal scrolling. */
  dashboardWidth: number;
  dashboardFits: boolean;
  dashboardState: string;
  /** The dashboard's worker lines: name and hardware text ("CPU · 2 cores · 23.4 GiB"). */
  dashboardWorkers: Array<{ name: string; hardware: string }>;
  /** Text of a workbench modal dialog (e.g. the workspace trust prompt), if one is open. */
  workbenchDialog: string;
  /** Status bar items and notification toasts of the workbench that mention chalknb. */
  workbenchMessages: string[];
  /** Whether the workbench action of the checkpoint found its target and clicked it. */
  clicked: boolean;
  /** typeRemoteDot: ms from the "." keystroke to the suggest widget showing (-1: it did not open in 10 s), its rows. */
  suggestMs: number;
  suggestions: string[];
  /**
   * wheelTable, on the grid with the most rows: a wheel in its middle scrolled the grid (and not the page); a wheel
   * with the grid at its end moved the page by wheelPageMoved px.
   */
  wheelGridScrolled: boolean;
  wheelPageStill: boolean;
  wheelPageMoved: number;
  /** Px the page moved for a wheel over the grid before it had the focus (the grid itself stayed at its top). */
  wheelUnfocusedPageMoved: number;
  /** resizeColumn: the width of the largest grid's second column before and after dragging its edge 80 px right. */
  columnWidths: number[];
  /** Row-number cells whose text does not fit (cut with an ellipsis). */
  cutRowNumbers: number;
  /** Per grid: px of empty space below its last row (0 when the rows fill it). */
  gridGaps: number[];
  /** Rows of the chalknb Variables view, by their accessible labels ("variable result: Table · …", "column …"). */
  variableRows: string[];
  /** Notices and errors shown above grids ("preview of 1,000 of 1,000,000 rows; …", a stale handle's message). */
  gridMessages: string[];
  /**
   * The grid with the most rows (aria-rowcount): its row-number cells on screen, the text of its first and last rows
   * on screen, its sort label, and whether rows were still waiting for the kernel ("…") when looked at.
   */
  largestGrid: { rows: number; rowNumbers: string[]; firstRow: string; lastRow: string; sortLabel: string; pending: number } | null;
  /** With {@link Checkpoint.output}: that output's inspector and grid. */
  output: OutputFacts | null;
}

// Runs inside a webview frame (serialized by Playwright): no closures over Node values.
/* eslint-disable */
const collect = (): Omit<WebviewFacts, "output" | "frames" | "workbenchDialog" | "workbenchMessages" | "clicked" | "variableRows" | "suggestMs" | "suggestions" | "wheelGridScrolled" | "wheelPageStill" | "wheelPageMoved" | "wheelUnfocusedPageMoved" | "columnWidths" | "largestGrid"> => {
  const d = (globalThis as any).document;
  const q = (s: string): any[] => Array.from(d.querySelectorAll(s));
  const text = (e: any): string => (e.textContent ?? "") as string;
  return {
    tables: q(".cnb-grid-viewport").length,
    rowElements: q(".cnb-row:not([hidden])").length,
    rowCountBadges: q(".cnb-rowcount").map(text),
    headers: q(".cnb-hname").map(text),
    headerTypes: q(".cnb-htype").map(text),
    vectorCells: q(".cnb-vec span").slice(0, 3).map(text),
    detailText: q(".cnb-detail:not([hidden]) .cnb-detail-head").map(text).join(" | "),
    progressViews: q(".cnb-progress").length,
    progressTiles: q(".cnb-tiles .cnb-tile").length,
    progressHeadlines: q(".cnb-progress-headline").map(text),
    images: q(".cnb-root img").length,
    hostileTextShownAsText: q(".cnb-cell").some((e: any) => text(e).includes("<img src=x onerror=alert(1)>")),
    inspectorStatus: q(".cnb-insp-controls .cnb-muted, .cnb-insp-controls .cnb-error").map(text).join(" "),
    neighbours: q(".cnb-neighbours li").length,
    dashboardCards: q("#app .card").map((card: any) => ({
      function: card.dataset.function as string,
      metrics: Object.fromEntries(Array.from(card.querySelectorAll("[data-metric]")).map((m: any) => [m.dataset.metric, text(m.querySelector(".value"))])),
    })),
    dashboardWidth: d.querySelector("#app .cards") ? (globalThis as any).innerWidth : 0,
    dashboardFits: d.querySelector("#app .cards") ? d.documentElement.scrollWidth <= d.documentElement.clientWidth : false,
    dashboardState: q("#app .badge").map(text).join(" "),
    dashboardWorkers: q("#app .worker").map((w: any) => ({ name: w.dataset.worker as string, hardware: text(w.querySelector(".muted")) })),
    cutRowNumbers: q(".cnb-row:not([hidden]) .cnb-rownum").filter((e: any) => e.scrollWidth > e.clientWidth).length,
    gridMessages: q(".cnb-grid-message:not([hidden])").map(text),
    gridGaps: q(".cnb-grid-viewport").map((v: any) => {
      const rowHeight = v.querySelector(".cnb-row")?.offsetHeight ?? 0;
      const content = (v.querySelector(".cnb-header")?.offsetHeight ?? 0) + rowHeight * Number(v.getAttribute("aria-rowcount"));
      return Math.max(0, Math.round(v.clientHeight - content));
    }),
  };
};
/* eslint-enable */

async function safe<T>(f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch {
    return fallback;
  }
}

export async function inspectWebviews(page: Page, cp: Checkpoint): Promise<WebviewFacts> {
  const frames = page.frames().filter((f) => f !== page.mainFrame());
  const withTable = async (): Promise<Frame | undefined> => {
    for (const f of frames) if (await safe(() => f.locator(".cnb-grid-viewport").count(), 0)) return f;
    return undefined;
  };
  let clicked = false;
  const wheel = { wheelGridScrolled: false, wheelPageStill: false, wheelPageMoved: 0, wheelUnfocusedPageMoved: 0 };
  let columnWidths: number[] = [];
  let suggestMs = -1;
  let suggestions: string[] = [];
  for (const action of cp.actions ?? []) {
    if (action === "resizeColumn") {
      columnWidths = await dragColumnEdge(page, frames);
      continue;
    }
    if (action === "scrollGridToEnd" || action === "sortGridDescending") {
      await gridAction(frames, action, cp.grid);
      continue;
    }
    if (action === "selectInEmbeddings" || action === "openTableTab") {
      if (cp.output) await outputAction(page, frames, cp.output, action);
      continue;
    }
    if (action === "wheelTable") {
      Object.assign(wheel, await wheelOverLargestGrid(page, frames));
      continue;
    }
    if (action === "typeRemoteDot") {
      await page.keyboard.type("remote", { delay: 30 });
      const t0 = Date.now();
      await page.keyboard.type(".");
      const widget = page.locator(".suggest-widget.visible .monaco-list-row").first();
      if (await safe(() => widget.waitFor({ state: "visible", timeout: 10_000 }).then(() => true), false)) {
        suggestMs = Date.now() - t0;
        suggestions = await safe(() => page.locator(".suggest-widget.visible .monaco-list-row .label-name").allTextContents(), []);
      }
      continue;
    }
    if (action === "clickRestartKernel") {
      // The contributed notebook/toolbar item: an action label titled after the command.
      const button = page.locator('.notebook-toolbar-container a.action-label[aria-label="Restart Kernel"]').first();
      clicked = await safe(() => button.click({ timeout: 10_000 }).then(() => true), false);
      continue;
    }
    const f = await withTable();
    if (!f) continue;
    if (action === "openEmbeddings") {
      await safe(() => f.locator("vscode-tab-header", { hasText: "Embeddings" }).first().click({ timeout: 5_000 }), undefined);
      await safe(() => f.waitForFunction(() => /PCA of|Could not/.test((globalThis as any).document.querySelector(".cnb-insp-controls")?.textContent ?? ""), undefined, { timeout: 30_000 }), undefined);
    } else if (action === "clickScatter") {
      // The plot's top canvas (an overlay lies over the points' canvas) takes the clicks: click by mouse position, as
      // a user does, and stop trying after a bounded time so later checkpoints are never starved.
      const canvas = f.locator(".cnb-scatter-wrap canvas").last();
      const box = await safe(() => canvas.boundingBox(), null);
      const deadline = Date.now() + 20_000;
      if (box) {
        // Try a grid of positions until one hits a point (hits snap within 8 px).
        outer: for (let gy = 0.5; gy < 1; gy += 0.1) {
          for (const y of gy === 0.5 ? [0.5] : [gy, 1 - gy]) {
            for (let gx = 0.1; gx < 0.95; gx += 0.04) {
              if (Date.now() > deadline) break outer;
              await safe(() => page.mouse.click(box.x + box.width * gx, box.y + box.height * y), undefined);
              if (await safe(() => f.waitForSelector(".cnb-neighbours li", { timeout: 300 }).then(() => true), false)) break outer;
            }
          }
        }
      }
    } else if (action === "clickVectorCell") {
      await safe(() => f.locator(".cnb-row:not([hidden]) .cnb-vec").first().click({ timeout: 5_000 }), undefined);
    }
  }
  const facts: WebviewFacts = {
    frames: frames.length, tables: 0, rowElements: 0, rowCountBadges: [], headers: [], headerTypes: [], vectorCells: [],
    detailText: "", progressViews: 0, progressTiles: 0, progressHeadlines: [], images: 0, hostileTextShownAsText: false,
    inspectorStatus: "", neighbours: 0, dashboardCards: [], dashboardWidth: 0, dashboardFits: false, dashboardState: "", dashboardWorkers: [],
    workbenchDialog: await safe(() => page.locator(".monaco-dialog-box").allTextContents().then((t) => t.join(" ")), ""),
    workbenchMessages: await safe(() => page.locator(".statusbar-item, .notification-list-item-message").allTextContents()
      .then((t) => t.filter((x) => /chalknb/i.test(x))), []),
    clicked,
    ...wheel,
    columnWidths,
    cutRowNumbers: 0,
    gridGaps: [],
    suggestMs,
    suggestions,
    gridMessages: [],
    largestGrid: await safe(() => largestGridFacts(frames, cp.grid), null),
    output: cp.output ? await safe(() => outputFacts(frames, cp.output!), null) : null,
    variableRows: await safe(() => page.locator('.monaco-list-row[aria-label^="variable "], .monaco-list-row[aria-label^="column "]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("aria-label") ?? "")), []),
  };
  for (const f of frames) {
    const part = await safe(() => f.evaluate(collect), null);
    if (!part) continue;
    facts.tables += part.tables;
    facts.rowElements += part.rowElements;
    facts.rowCountBadges.push(...part.rowCountBadges);
    facts.headers.push(...part.headers);
    facts.headerTypes.push(...part.headerTypes);
    facts.vectorCells.push(...part.vectorCells);
    facts.detailText += part.detailText;
    facts.progressViews += part.progressViews;
    facts.progressTiles += part.progressTiles;
    facts.progressHeadlines.push(...part.progressHeadlines);
    facts.images += part.images;
    facts.hostileTextShownAsText ||= part.hostileTextShownAsText;
    facts.inspectorStatus += part.inspectorStatus;
    facts.neighbours += part.neighbours;
    facts.dashboardCards.push(...part.dashboardCards);
    facts.dashboardWidth = Math.max(facts.dashboardWidth, part.dashboardWidth);
    facts.dashboardFits ||= part.dashboardFits;
    facts.dashboardState += part.dashboardState;
    facts.dashboardWorkers.push(...part.dashboardWorkers);
    facts.cutRowNumbers += part.cutRowNumbers;
    facts.gridGaps.push(...part.gridGaps);
    facts.gridMessages.push(...part.gridMessages);
  }
  return facts;
}

async function largestGrid(frames: Frame[], pick: Checkpoint["grid"] = "largest"): Promise<{ frame: Frame; rows: number } | undefined> {
  let best: { frame: Frame; rows: number } | undefined;
  for (const frame of frames) {
    if (pick === "withNotice") {
      const rows = await safe(() => frame.locator(".cnb-root").evaluateAll((roots) => {
        const root = roots.find((r) => /^preview of /.test(r.querySelector(".cnb-grid-message:not([hidden])")?.textContent ?? ""));
        return Number(root?.querySelector(".cnb-grid-viewport")?.getAttribute("aria-rowcount") ?? -1);
      }), -1);
      if (rows >= 0) return { frame, rows };
      continue;
    }
    const counts = await safe(() => frame.locator(".cnb-grid-viewport").evaluateAll((els) => els.map((e) => Number(e.getAttribute("aria-rowcount")))), [] as number[]);
    for (const rows of counts) if (!best || rows > best.rows) best = { frame, rows };
  }
  return best;
}

/**
 * Row numbers still waiting for the kernel show "…"; a grid is settled when none of its rows on screen do (or a
 * message says why none will come). `atEnd`: and it has drawn its last row (a scroll is drawn on the next frame).
 */
async function waitSettled(frame: Frame, rows: number, atEnd = false): Promise<void> {
  await safe(() => frame.waitForFunction(({ n, end }) => {
    const grid = (globalThis as any).document.querySelector(`.cnb-grid-viewport[aria-rowcount="${n}"]`);
    if (!grid) return false;
    const message = grid.closest(".cnb-root")?.querySelector(".cnb-grid-message:not([hidden])");
    if (message) return true;
    const shown = Array.from(grid.querySelectorAll(".cnb-row:not([hidden])")) as any[];
    if (end && !shown.some((r) => r.getAttribute("aria-rowindex") === String(n))) return false;
    return !shown.some((r) => r.querySelector(".cnb-rownum")?.textContent === "…");
  }, { n: rows, end: atEnd }, { timeout: 60_000 }), undefined);
}

/** On the grid with the most rows: scroll to its very end, or click its second column's header twice (descending). */
async function gridAction(frames: Frame[], action: "scrollGridToEnd" | "sortGridDescending", pick: Checkpoint["grid"]): Promise<void> {
  const best = await largestGrid(frames, pick);
  if (!best) return;
  const grid = best.frame.locator(`.cnb-grid-viewport[aria-rowcount="${best.rows}"]`).first();
  if (action === "scrollGridToEnd") {
    await safe(() => grid.evaluate((el) => { el.scrollTop = el.scrollHeight; }), undefined);
    await waitSettled(best.frame, best.rows, true);
    return;
  }
  const header = grid.locator('.cnb-hcell[data-col="1"]');
  await safe(() => header.click({ timeout: 5_000 }), undefined);
  await safe(() => best.frame.waitForFunction(() => /^sorted by .*▲/.test((globalThis as any).document.querySelector(".cnb-toolbar")?.textContent?.match(/sort(ed|ing) by [^▲▼]*[▲▼]/)?.[0] ?? ""), undefined, { timeout: 60_000 }), undefined);
  await safe(() => header.click({ timeout: 5_000 }), undefined);
  await safe(() => best.frame.waitForFunction(() => /^sorted by .*▼/.test((globalThis as any).document.querySelector(".cnb-toolbar")?.textContent?.match(/sort(ed|ing) by [^▲▼]*[▲▼]/)?.[0] ?? ""), undefined, { timeout: 60_000 }), undefined);
  await waitSettled(best.frame, best.rows);
}

async function largestGridFacts(frames: Frame[], pick: Checkpoint["grid"]): Promise<WebviewFacts["largestGrid"]> {
  const best = await largestGrid(frames, pick);
  if (!best) return null;
  const grid = best.frame.locator(`.cnb-grid-viewport[aria-rowcount="${best.rows}"]`).first();
  const seen = await grid.evaluate((el) => {
    const rect = el.getBoundingClientRect();
    // Rows under the sticky header are not on screen.
    const top = el.querySelector(".cnb-header")?.getBoundingClientRect().bottom ?? rect.top;
    const rows = Array.from(el.querySelectorAll(".cnb-row:not([hidden])")) as any[];
    const visible = rows.filter((r) => {
      const b = r.getBoundingClientRect();
      return b.top >= top - 2 && b.top < rect.bottom - 4;
    }).sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    const cells = (r: any): string => Array.from(r.querySelectorAll(".cnb-cell")).map((c: any) => c.textContent).join(" | ");
    const root = el.closest(".cnb-root");
    return {
      rowNumbers: visible.map((r) => r.querySelector(".cnb-rownum")?.textContent ?? ""),
      firstRow: visible[0] ? cells(visible[0]) : "",
      lastRow: visible.length ? cells(visible[visible.length - 1]) : "",
      sortLabel: root?.querySelector(".cnb-toolbar")?.textContent?.match(/sort(ed|ing) by [^▲▼]*[▲▼]/)?.[0] ?? "",
      pending: visible.filter((r) => r.querySelector(".cnb-rownum")?.textContent === "…").length,
    };
  });
  return { rows: best.rows, ...seen };
}

/** Drags the right edge of the largest grid's second column 80 px to the right, as a user would. */
async function dragColumnEdge(page: Page, frames: Frame[]): Promise<number[]> {
  const best = await largestGrid(frames);
  if (!best) return [];
  const grid = best.frame.locator(`.cnb-grid-viewport[aria-rowcount="${best.rows}"]`).first();
  const header = grid.locator('.cnb-hcell[data-col="1"]');
  const handle = header.locator(".cnb-resize");
  const before = (await safe(() => header.boundingBox(), null))?.width ?? 0;
  const box = await safe(() => handle.boundingBox(), null);
  if (!box) return [before];
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  const after = (await safe(() => header.boundingBox(), null))?.width ?? 0;
  return [Math.round(before), Math.round(after)];
}

/** The wheel, as a user's mouse gives it, over the grid with the most rows: in its middle, then at its end. */
async function wheelOverLargestGrid(page: Page, frames: Frame[]): Promise<{ wheelGridScrolled: boolean; wheelPageStill: boolean; wheelPageMoved: number; wheelUnfocusedPageMoved: number }> {
  const out = { wheelGridScrolled: false, wheelPageStill: false, wheelPageMoved: 0, wheelUnfocusedPageMoved: 0 };
  const best = await largestGrid(frames);
  if (!best) return out;
  const grid = best.frame.locator(`.cnb-grid-viewport[aria-rowcount="${best.rows}"]`).first();
  const scrollTop = () => safe(() => grid.evaluate((el) => el.scrollTop), -1);
  const top = async () => (await safe(() => grid.boundingBox(), null))?.y ?? Number.NaN;
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 50 && !(await check()); i++) await page.waitForTimeout(100);
  };
  // Not focused yet: the wheel scrolls the notebook past the grid, which stays at its top.
  const unfocused = await safe(() => grid.boundingBox(), null);
  if (!unfocused) return out;
  await page.mouse.move(unfocused.x + unfocused.width / 2, unfocused.y + Math.min(unfocused.height / 2, 120));
  await page.mouse.wheel(0, 200);
  await until(async () => (await top()) < unfocused.y - 20);
  out.wheelUnfocusedPageMoved = (await scrollTop()) === 0 ? Math.round(unfocused.y - (await top())) : -1;
  // Focused (as a click into it does): the grid takes the wheel.
  await safe(() => grid.evaluate((el) => { (el as HTMLElement).focus(); el.scrollTop = 600; }), undefined);
  const box = await safe(() => grid.boundingBox(), null);
  if (!box) return out;
  await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 120));
  await page.mouse.wheel(0, 120);
  await until(async () => (await scrollTop()) > 600);
  out.wheelGridScrolled = (await scrollTop()) > 600;
  out.wheelPageStill = Math.abs((await top()) - box.y) < 1;
  await safe(() => grid.evaluate((el) => { el.scrollTop = el.scrollHeight; }), undefined);
  await page.waitForTimeout(200); // a frame for the rows at the end to be drawn; the wheel below is what is measured
  const before = await top();
  await page.mouse.wheel(0, 300);
  await until(async () => (await top()) < before - 20);
  out.wheelPageMoved = Math.round(before - (await top()));
  return out;
}

/** The .cnb-root of the table output whose grid has a column named `column`, and its frame. */
async function findOutput(frames: Frame[], column: string): Promise<{ frame: Frame; root: ReturnType<Frame["locator"]> } | undefined> {
  for (const frame of frames) {
    const root = frame.locator(".cnb-root").filter({ has: frame.locator(".cnb-hname", { hasText: new RegExp(`^${column}$`) }) }).first();
    if (await safe(() => root.count(), 0)) return { frame, root };
  }
  return undefined;
}

/**
 * selectInEmbeddings: open the Embeddings tab, wait for the inspector to be ready, switch to box mode and drag a box
 * over the middle of the plot (other boxes if that one holds no point), as a user does; then wait for the kernel to
 * bind the selection. openTableTab: back to the Table tab, until its grid has drawn its rows.
 */
async function outputAction(page: Page, frames: Frame[], column: string, action: "selectInEmbeddings" | "openTableTab"): Promise<void> {
  const found = await findOutput(frames, column);
  if (!found) return;
  const { root } = found;
  if (action === "openTableTab") {
    await safe(() => root.locator("vscode-tab-header", { hasText: "Table" }).first().click({ timeout: 5_000 }), undefined);
    const grid = root.locator(".cnb-grid-viewport").first();
    await safe(() => grid.scrollIntoViewIfNeeded({ timeout: 5_000 }), undefined);
    // Settled: rows drawn and none still waiting for the kernel ("…").
    await safe(() => found.frame.waitForFunction((name) => {
      const roots = Array.from((globalThis as any).document.querySelectorAll(".cnb-root")) as any[];
      const r = roots.find((x) => Array.from(x.querySelectorAll(".cnb-hname")).some((n: any) => n.textContent === name));
      const rows = Array.from(r?.querySelectorAll(".cnb-grid-viewport .cnb-row:not([hidden])") ?? []) as any[];
      return rows.length > 0 && !rows.some((row) => row.querySelector(".cnb-rownum")?.textContent === "…");
    }, column, { timeout: 60_000 }), undefined);
    return;
  }
  await safe(() => root.locator("vscode-tab-header", { hasText: "Embeddings" }).first().click({ timeout: 5_000 }), undefined);
  const inspector = root.locator('[data-chalknb="inspector"]').first();
  await safe(() => root.locator('[data-chalknb="inspector"][data-state="ready"], [data-chalknb="inspector"][data-state="error"]').first().waitFor({ timeout: 120_000 }), undefined);
  if ((await safe(() => inspector.getAttribute("data-state"), null)) !== "ready") return;
  await safe(() => inspector.locator('[data-chalknb="mode-box"]').click({ timeout: 5_000 }), undefined);
  const scatter = inspector.locator('[data-chalknb="scatter"]').first();
  await safe(() => scatter.scrollIntoViewIfNeeded({ timeout: 5_000 }), undefined);
  const panel = inspector.locator('[data-chalknb="selection"]').first();
  for (const [x0, y0, x1, y1] of [[0.3, 0.3, 0.7, 0.7], [0.1, 0.1, 0.6, 0.6], [0.4, 0.4, 0.95, 0.95], [0.05, 0.05, 0.95, 0.5]]) {
    const box = await safe(() => scatter.boundingBox(), null);
    if (!box) return;
    await page.mouse.move(box.x + x0! * box.width, box.y + y0! * box.height);
    await page.mouse.down();
    await page.mouse.move(box.x + ((x0! + x1!) / 2) * box.width, box.y + ((y0! + y1!) / 2) * box.height, { steps: 4 });
    await page.mouse.move(box.x + x1! * box.width, box.y + y1! * box.height, { steps: 4 });
    await page.mouse.up();
    const selected = Number((await safe(() => panel.getAttribute("data-rows"), null)) ?? 0);
    if (selected > 0 && selected < Number((await safe(() => scatter.getAttribute("data-points"), null)) ?? 0)) break;
  }
  await safe(() => inspector.locator('[data-chalknb="selection"][data-kernel-variable]').waitFor({ timeout: 60_000 }), undefined);
}

async function outputFacts(frames: Frame[], column: string): Promise<OutputFacts | null> {
  const found = await findOutput(frames, column);
  if (!found) return null;
  return await found.root.evaluate((root: any) => {
    const q = (s: string): any => root.querySelector(s);
    const inspector = q('[data-chalknb="inspector"]');
    const panel = q('[data-chalknb="selection"]');
    const grid = q(".cnb-grid-viewport");
    const label = q('[data-chalknb="table-rows"]');
    const shown = Array.from(grid?.querySelectorAll(".cnb-row:not([hidden])") ?? []) as any[];
    shown.sort((a, b) => Number(a.dataset.viewRow) - Number(b.dataset.viewRow));
    const numbers = shown.map((r) => r.querySelector(".cnb-rownum")?.textContent ?? "");
    return {
      inspectorState: inspector?.dataset.state ?? "",
      inspectorSource: inspector?.dataset.source ?? "",
      points: Number(q('[data-chalknb="scatter"]')?.dataset.points ?? -1),
      selectedRows: Number(panel?.dataset.rows ?? -1),
      kernelVariable: panel?.dataset.kernelVariable ?? "",
      kernelRows: Number(panel?.dataset.kernelRows ?? -1),
      gridRows: Number(grid?.getAttribute("aria-rowcount") ?? -1),
      shownRowsLabel: label && !label.hidden ? (label.textContent ?? "") : "",
      shownRowsData: Number(label?.dataset.rows ?? -1),
      rowNumbers: numbers,
      pending: numbers.filter((n) => n === "…").length,
    };
  });
}
