/**
 * Queue dashboard webview script. The extension polls the queue's HTTP API (the webview has no network access under
 * its CSP) and posts snapshots here; this draws them with textContent only.
 */
import { byFunction, counterRate, parsePrometheus, type Sample } from "./lib/prometheus.js";
import { formatCount, formatNumber } from "./lib/format.js";
import { h } from "./dom.js";

export interface FunctionInfo {
  name: string;
  maxBatchingSize: number;
  maxBufferDuration: number;
  retries: number;
  workers: number;
  bufferedRows: number;
  inFlightBatches: number;
}

export interface DashboardSnapshot {
  type: "snapshot";
  /** Epoch ms of the poll. */
  at: number;
  url: string;
  functions?: FunctionInfo[];
  metricsText?: string;
  error?: string;
}

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

const COLUMNS = [
  "function", "workers", "buffered rows", "in-flight batches", "rows in/s", "rows out/s", "rows out", "batches",
  "batch fill", "retries", "failures", "max batch", "max wait (ms)",
] as const;

let previous: { at: number; rowsIn: Map<string, number>; rowsOut: Map<string, number> } | null = null;

function render(s: DashboardSnapshot): void {
  const root = document.getElementById("app")!;
  const head = h("div", "head");
  const state = h("span", s.error ? "badge bad" : "badge ok", s.error ? "unreachable" : "connected");
  head.append(h("strong", "", "chalknb queue"), state, h("span", "muted", s.url), h("span", "muted", `updated ${new Date(s.at).toLocaleTimeString()}`));
  const body: HTMLElement[] = [head];
  if (s.error) body.push(h("div", "error", s.error));
  const samples: Sample[] = s.metricsText ? parsePrometheus(s.metricsText) : [];
  const rowsIn = byFunction(samples, "chalknb_rows_in_total");
  const rowsOut = byFunction(samples, "chalknb_rows_out_total");
  const batches = byFunction(samples, "chalknb_batches_total");
  const fill = byFunction(samples, "chalknb_batch_fill_ratio");
  const retries = byFunction(samples, "chalknb_retries_total");
  const failures = byFunction(samples, "chalknb_failures_total");
  const seconds = previous ? (s.at - previous.at) / 1000 : 0;
  const fns = s.functions ?? [];
  if (fns.length === 0 && !s.error) body.push(h("div", "muted", "No functions registered yet: start a worker or run a cell that calls one."));
  if (fns.length > 0) {
    const table = h("table");
    const tr = h("tr");
    for (const c of COLUMNS) tr.append(h("th", "", c));
    table.append(h("thead"));
    table.tHead!.append(tr);
    const tbody = h("tbody");
    for (const f of fns) {
      const row = h("tr");
      row.dataset.function = f.name;
      const cells = [
        f.name, formatCount(f.workers), formatCount(f.bufferedRows), formatCount(f.inFlightBatches),
        formatNumber(counterRate(previous?.rowsIn.get(f.name), rowsIn.get(f.name) ?? 0, seconds), 3),
        formatNumber(counterRate(previous?.rowsOut.get(f.name), rowsOut.get(f.name) ?? 0, seconds), 3),
        formatCount(rowsOut.get(f.name) ?? 0), formatCount(batches.get(f.name) ?? 0),
        `${((fill.get(f.name) ?? 0) * 100).toFixed(1)}%`, formatCount(retries.get(f.name) ?? 0),
        formatCount(failures.get(f.name) ?? 0), formatCount(f.maxBatchingSize), formatCount(f.maxBufferDuration),
      ];
      cells.forEach((text, i) => {
        const td = h("td", i === 0 ? "" : "num", text);
        if (i === 10 && (failures.get(f.name) ?? 0) > 0) td.classList.add("bad-text");
        row.append(td);
      });
      tbody.append(row);
    }
    table.append(tbody);
    body.push(table);
  }
  root.replaceChildren(...body);
  if (!s.error) previous = { at: s.at, rowsIn, rowsOut };
}

const vscode = acquireVsCodeApi();
window.addEventListener("message", (e: MessageEvent<DashboardSnapshot>) => {
  if (e.data?.type === "snapshot") render(e.data);
});
vscode.postMessage({ type: "ready" });
