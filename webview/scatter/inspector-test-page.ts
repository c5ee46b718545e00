/**
 * Entry of the inspector's browser test page (bundled by the test, not part of the renderer): mounts the real
 * InspectorView on an Arrow table, either computing in its Worker or, with `kernel`, through a KernelTableSource
 * whose requests go to `window.kernelRequest` — which the test binds to the kernel's real table ops in Node, standing
 * in for VS Code's renderer messaging.
 */
import { tableFromIPC } from "apache-arrow/ipc/serialization";
import { InspectorView } from "../inspector-view.js";
import type { KernelTableSource } from "../kernel-table-source.js";
import { findVectorColumns } from "../lib/arrow-vectors.js";
import { ensureStyles } from "../styles.js";

declare global {
  interface Window {
    kernelRequest?(op: string, args: unknown): Promise<{ result: unknown; ipc?: string }>;
    mountInspector(url: string, kernel: boolean): Promise<void>;
    inspectorSelections: number[];
  }
}

window.inspectorSelections = [];

window.mountInspector = async (url, kernel) => {
  ensureStyles(document);
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const table = tableFromIPC(bytes);
  const source: KernelTableSource | undefined = kernel
    ? {
        handle: "test",
        numRows: table.numRows,
        async request<T>(op: string, args?: unknown) {
          const reply = await window.kernelRequest!(op, args);
          const ipc = reply.ipc === undefined ? undefined : Uint8Array.from(atob(reply.ipc), (c) => c.charCodeAt(0));
          return { result: reply.result as T, ipc };
        },
      }
    : undefined;
  // The kernel's table is the whole one; the webview holds only a preview of it, as with a lazy table.
  const shown = kernel ? table.slice(0, 100) : table;
  const view = new InspectorView(shown, findVectorColumns(shown), { source, onSelect: (rows) => window.inspectorSelections.push(rows.length) });
  const root = document.createElement("div");
  root.className = "cnb-root";
  root.append(view.element);
  document.getElementById("out")!.append(root);
  await view.start();
};
