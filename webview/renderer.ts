/**
 * Notebook renderer entry (`contributes.notebookRenderer`, id `chalknb.renderer`) for
 * `application/vnd.apache.arrow.file` (table + embedding inspector) and `application/vnd.chalknb.progress+json`
 * (chunk progress). Posts a `chalknb.rendered` message once a view has drawn (renderer messaging is optional).
 */
import { tableFromIPC } from "apache-arrow/ipc/serialization";
import type { Table } from "apache-arrow";
import { ARROW_MIME, PROGRESS_MIME, type CallProgress } from "../protocol/progress.js";
import { formatCount } from "./lib/format.js";
import { InspectorView } from "./inspector-view.js";
import { renderProgress } from "./progress-view.js";
import type { OutputItem, RenderedMessage, RendererApi, RendererContext } from "./renderer-api.js";
import { ensureStyles } from "./styles.js";
import type { LazyTableMetadata } from "../protocol/renderer-messages.js";
import { type KernelTableSource, MessagingTableSource } from "./kernel-table-source.js";
import { TableView } from "./table-view.js";
import { h } from "./dom.js";
import "./elements.js";

interface Mounted {
  dispose(): void;
}

export function activate(ctx: RendererContext): RendererApi {
  const mounted = new Map<string, Mounted>();
  const post = (m: RenderedMessage): void => ctx.postMessage?.(m);
  const unmount = (id: string): void => {
    mounted.get(id)?.dispose();
    mounted.delete(id);
  };
  return {
    renderOutputItem(item: OutputItem, element: HTMLElement) {
      const t0 = performance.now();
      ensureStyles(element.ownerDocument);
      unmount(item.id);
      element.replaceChildren();
      try {
        if (item.mime === PROGRESS_MIME) {
          const p = item.json() as CallProgress;
          const root = h("div", "cnb-root");
          root.append(renderProgress(p));
          element.append(root);
          afterPaint(() => post({ type: "chalknb.rendered", view: "progress", outputId: item.id, chunks: p.chunks.length, state: p.state, ms: performance.now() - t0 }));
          return;
        }
        if (item.mime === ARROW_MIME) {
          const table = tableFromIPC(item.data());
          const meta = tableMetadata(item.metadata);
          const totalRows = Math.max(meta?.totalRows ?? table.numRows, table.numRows);
          // The kernel that made the table holds it under this handle (a saved notebook has none).
          const source = meta?.handle && MessagingTableSource.available(ctx) ? new MessagingTableSource(ctx, item.id, meta.handle, totalRows) : undefined;
          const view = mountTable(table, element, item.id, t0, post, { source, totalRows });
          mounted.set(item.id, { dispose: () => { view.dispose(); source?.dispose(); } });
          return;
        }
        element.append(h("div", "cnb-error", `chalknb renderer: unsupported MIME type ${item.mime}`));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        element.append(h("div", "cnb-root cnb-error", `Could not render ${item.mime}: ${message}`));
        post({ type: "chalknb.rendered", view: "error", outputId: item.id, message });
      }
    },
    disposeOutputItem(id?: string) {
      if (id) unmount(id);
      else for (const key of [...mounted.keys()]) unmount(key);
    },
  };
}

/** The Arrow item's metadata as the kernel wrote it (VS Code hands the renderer the output's metadata). */
function tableMetadata(metadata: unknown): Partial<LazyTableMetadata> | undefined {
  const m = metadata as Record<string, unknown> | undefined;
  const meta = (m?.[ARROW_MIME] ?? (m?.metadata as Record<string, unknown> | undefined)?.[ARROW_MIME]) as Partial<LazyTableMetadata> | undefined;
  return meta && typeof meta === "object" ? meta : undefined;
}

export interface MountTableOptions {
  allowWorker?: boolean;
  /** The table in the kernel, when a kernel holds it: the grid (for a preview) and the inspector ask it for more. */
  source?: KernelTableSource;
  /** Rows in the whole table (`table` may be its preview). @default table.numRows */
  totalRows?: number;
}

/** The table view, plus an Embeddings tab when the table has float-vector columns. */
export function mountTable(
  table: Table, element: HTMLElement, outputId: string, t0: number, post: (m: RenderedMessage) => void,
  options: MountTableOptions = {},
): Mounted {
  const root = h("div", "cnb-root");
  const totalRows = Math.max(options.totalRows ?? table.numRows, table.numRows);
  const isPreview = totalRows > table.numRows;
  const source = options.source;
  const view = new TableView(table, { source: isPreview ? source : undefined });
  const toolbar = h("div", "cnb-toolbar");
  const badge = document.createElement("vscode-badge");
  badge.textContent = `${formatCount(totalRows)} rows`;
  badge.className = "cnb-rowcount";
  toolbar.append(h("strong", "", "Arrow table"), badge, h("span", "cnb-muted", `${table.numCols} columns`), view.sortLabel, view.rowsLabel);
  if (view.lazy) {
    toolbar.append(filterBox(view, badge, totalRows));
  } else if (isPreview) {
    view.setNotice(`preview of ${formatCount(table.numRows)} of ${formatCount(totalRows)} rows; run the cell to browse all`);
  }
  root.append(toolbar);
  let inspector: InspectorView | null = null;
  const vectorDim = view.vectorColumns[0]?.dim;
  if (view.vectorColumns.length > 0) {
    const tabs = document.createElement("vscode-tabs");
    const tableHeader = document.createElement("vscode-tab-header");
    tableHeader.slot = "header";
    tableHeader.textContent = "Table";
    const tablePanel = document.createElement("vscode-tab-panel");
    tablePanel.append(view.element);
    const embHeader = document.createElement("vscode-tab-header");
    embHeader.slot = "header";
    embHeader.textContent = "Embeddings";
    const embPanel = document.createElement("vscode-tab-panel");
    tabs.append(tableHeader, tablePanel, embHeader, embPanel);
    inspector = new InspectorView(table, view.vectorColumns, {
      allowWorker: options.allowWorker,
      // Only a table the kernel holds more of than the output (a lazy table) is computed in the kernel.
      source: isPreview ? source : undefined,
      onRevealRow: (row) => {
        tabs.selectedIndex = 0;
        requestAnimationFrame(() => view.revealRow(row));
      },
      // A box or lasso selection narrows the grid to its rows; clearing it shows all rows again.
      onSelect: (rows) => void view.showRows(rows.length ? rows : null),
      onReady: (info) => post({ type: "chalknb.rendered", view: "inspector", outputId, rows: info.rows, vectorDim: info.dim, ms: info.ms, pcaMs: info.pcaMs, worker: info.worker }),
    });
    embPanel.append(inspector.element);
    tabs.addEventListener("vsc-tabs-select", (e) => {
      const index = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      if (index === 1) requestAnimationFrame(() => void inspector!.start());
      else requestAnimationFrame(() => view.render());
    });
    root.append(tabs);
  } else {
    root.append(view.element);
  }
  element.append(root);
  view.render();
  afterPaint(() => {
    view.render(); // the header height is known once laid out
    post({
      type: "chalknb.rendered", view: "table", outputId, rows: totalRows,
      columns: table.schema.fields.map((f) => f.name), vectorDim, ms: performance.now() - t0,
    });
  });
  return {
    dispose() {
      inspector?.dispose();
      view.dispose();
      root.remove();
    },
  };
}

/** A filter field for a table in the kernel: Enter applies `column op value` or plain text; the badge shows the matches. */
function filterBox(view: TableView, badge: HTMLElement, totalRows: number): HTMLElement {
  const input = document.createElement("input");
  input.type = "search";
  input.className = "cnb-filter";
  input.placeholder = "filter: score > 0.5, label = cat, or text";
  input.setAttribute("aria-label", "Filter rows (computed in the kernel)");
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const expression = input.value;
    input.disabled = true;
    view.setFilter(expression).then(
      (n) => {
        badge.textContent = expression.trim() ? `${formatCount(n)} of ${formatCount(totalRows)} rows` : `${formatCount(totalRows)} rows`;
      },
      () => undefined, // the grid shows the kernel's message
    ).finally(() => {
      input.disabled = false;
      input.focus();
    });
  });
  return input;
}

/** Runs `fn` after the next frame has been painted (double rAF), or after 500 ms in a hidden, throttled webview. */
function afterPaint(fn: () => void): void {
  let done = false;
  const once = (): void => {
    if (!done) {
      done = true;
      fn();
    }
  };
  requestAnimationFrame(() => requestAnimationFrame(once));
  setTimeout(once, 500);
}
