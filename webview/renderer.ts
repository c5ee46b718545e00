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
          mounted.set(item.id, mountTable(table, element, item.id, t0, post));
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

/** The table view, plus an Embeddings tab when the table has float-vector columns. */
export function mountTable(
  table: Table, element: HTMLElement, outputId: string, t0: number, post: (m: RenderedMessage) => void,
  options: { allowWorker?: boolean } = {},
): Mounted {
  const root = h("div", "cnb-root");
  const view = new TableView(table);
  const toolbar = h("div", "cnb-toolbar");
  const badge = document.createElement("vscode-badge");
  badge.textContent = `${formatCount(table.numRows)} rows`;
  badge.className = "cnb-rowcount";
  toolbar.append(h("strong", "", "Arrow table"), badge, h("span", "cnb-muted", `${table.numCols} columns`), view.sortLabel);
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
      onRevealRow: (row) => {
        tabs.selectedIndex = 0;
        requestAnimationFrame(() => view.revealRow(row));
      },
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
      type: "chalknb.rendered", view: "table", outputId, rows: table.numRows,
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
