/**
 * Queue dashboard webview script. The extension polls the queue's HTTP API (the webview has no network access under
 * its CSP) and posts snapshots here; this draws them with textContent only: one card per function (workers, backlog,
 * batch fill, a rows/s sparkline, failures) in a grid that fits a narrow side panel.
 */
import { byFunction, counterRate, parsePrometheus, type Sample } from "./lib/prometheus.js";
import { formatCount, formatNumber } from "./lib/format.js";
import { h } from "./dom.js";
import type { CallStatus, FunctionInfo, WorkerSummary } from "../protocol/queue-api.js";

export interface DashboardSnapshot {
  type: "snapshot";
  /** Epoch ms of the poll. */
  at: number;
  url: string;
  functions?: FunctionInfo[];
  /** Connected workers: GPUs, cores, memory, and the functions each may not serve, with why. */
  workers?: WorkerSummary[];
  /** Spawned calls, newest first (absent from an older queue). */
  calls?: CallStatus[];
  metricsText?: string;
  error?: string;
}

/** Finished calls listed under the running ones. @default 5 */
const FINISHED_SHOWN = 5;

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

/** Polls of rows out/s kept per function for its sparkline. @default 30 */
const HISTORY = 30;

let previous: { at: number; rowsIn: Map<string, number>; rowsOut: Map<string, number> } | null = null;
const rates = new Map<string, number[]>();

/** One number with its label; `data-metric` names it for tests and for the CSS. */
function metric(name: string, label: string, value: string, extra?: Element): HTMLElement {
  const m = h("div", "metric");
  m.dataset.metric = name;
  m.append(h("span", "label", label), h("span", "value", value));
  if (extra) m.append(extra);
  return m;
}

/** Rows out/s over the last polls, as an SVG polyline built with DOM calls (no markup from data). */
function sparkline(values: number[]): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 100 24");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "spark");
  const max = Math.max(1e-9, ...values);
  const step = values.length > 1 ? 100 / (values.length - 1) : 0;
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", values.map((v, i) => `${(i * step).toFixed(1)},${(23 - (v / max) * 22).toFixed(1)}`).join(" "));
  svg.append(line);
  return svg;
}

function bar(ratio: number): HTMLElement {
  const wrap = h("div", "bar");
  const fill = h("div", "fill");
  // A width in %, set through the CSSOM (the CSP forbids style attributes written as text).
  fill.style.width = `${Math.max(0, Math.min(1, ratio)) * 100}%`;
  wrap.append(fill);
  return wrap;
}

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
  // One card per function, in a grid that wraps to one column in a narrow panel.
  const cards = h("div", "cards");
  for (const f of fns) {
    const card = h("section", "card");
    card.dataset.function = f.name;
    const outRate = counterRate(previous?.rowsOut.get(f.name), rowsOut.get(f.name) ?? 0, seconds);
    const inRate = counterRate(previous?.rowsIn.get(f.name), rowsIn.get(f.name) ?? 0, seconds);
    const history = [...(rates.get(f.name) ?? []), outRate].slice(-HISTORY);
    if (!s.error) rates.set(f.name, history);
    const failed = failures.get(f.name) ?? 0;
    const title = h("div", "card-head");
    title.append(h("strong", "", f.name), h("span", "muted", `batches of ≤ ${formatCount(f.maxBatchingSize)} · wait ≤ ${formatCount(f.maxBufferDuration)} ms`));
    const failuresMetric = metric("failures", "failures", formatCount(failed));
    if (failed > 0) failuresMetric.classList.add("bad-text");
    const fillRatio = fill.get(f.name) ?? 0;
    const metrics = h("div", "metrics");
    card.append(title, metrics);
    metrics.append(
      metric("workers", "workers", formatCount(f.workers)),
      metric("backlog", "backlog rows", formatCount(f.bufferedRows)),
      metric("in-flight", "in-flight batches", formatCount(f.inFlightBatches)),
      metric("fill", "batch fill", `${(fillRatio * 100).toFixed(1)}%`, bar(fillRatio)),
      metric("rows-per-second", "rows/s out", formatNumber(outRate, 3), sparkline(history)),
      metric("rows-in-per-second", "rows/s in", formatNumber(inRate, 3)),
      metric("rows-out", "rows out", formatCount(rowsOut.get(f.name) ?? 0)),
      metric("batches", "batches", formatCount(batches.get(f.name) ?? 0)),
      metric("retries", "retries", formatCount(retries.get(f.name) ?? 0)),
      failuresMetric,
    );
    cards.append(card);
  }
  if (fns.length > 0) body.push(cards);
  const workers = workerList(s.workers ?? []);
  if (workers) body.push(workers);
  const calls = callList(s.calls ?? []);
  if (calls) body.push(calls);
  root.replaceChildren(...body);
  if (!s.error) previous = { at: s.at, rowsIn, rowsOut };
}

/** Workers: one line each with its GPUs (or "CPU"), cores and memory, then any function it may not serve and why. */
function workerList(all: WorkerSummary[]): HTMLElement | undefined {
  if (all.length === 0) return undefined;
  const section = h("section", "workers");
  section.append(h("strong", "", `Workers (${all.length})`));
  for (const w of all) {
    const row = h("div", "worker");
    row.dataset.worker = w.name;
    row.dataset.gpus = String(w.gpus.length);
    const hardware = [
      w.gpus.length > 0 ? gpuText(w.gpus) : "CPU",
      w.cpus === null ? "" : `${w.cpus} cores`,
      w.memoryBytes === null ? "" : `${formatNumber(w.memoryBytes / 2 ** 30, 3)} GiB`,
    ].filter(Boolean).join(" · ");
    row.append(h("span", "", w.name), h("span", "muted", hardware), h("span", "muted", w.functions.join(", ")));
    for (const [fn, why] of Object.entries(w.unmet)) row.append(h("span", "bad-text unmet", `not given ${fn}: ${why}`));
    section.append(row);
  }
  return section;
}

/** "2 × NVIDIA L4" for equal GPUs, else their names. */
function gpuText(gpus: string[]): string {
  return new Set(gpus).size === 1 ? `${gpus.length} × ${gpus[0]}` : gpus.join(", ");
}

/** Spawned calls: every running one with a Cancel button, then the last few finished. */
function callList(all: CallStatus[]): HTMLElement | undefined {
  const running = all.filter((c) => c.state === "running" || c.state === "receiving");
  const finished = all.filter((c) => c.state !== "running" && c.state !== "receiving").slice(0, FINISHED_SHOWN);
  if (running.length === 0 && finished.length === 0) return undefined;
  const section = h("section", "calls");
  section.append(h("strong", "", `Spawned calls (${running.length} running)`));
  for (const call of [...running, ...finished]) {
    const row = h("div", "call");
    row.dataset.call = call.id;
    row.dataset.state = call.state;
    const ratio = call.totalRows > 0 ? call.rowsDone / call.totalRows : 0;
    row.append(
      h("span", "", call.function),
      h("span", "muted", call.id.slice(0, 8)),
      h("span", call.state === "failed" ? "bad-text" : "", call.state),
      h("span", "", `${formatCount(call.rowsDone)} / ${formatCount(call.totalRows)} rows`),
      bar(ratio),
    );
    if (call.state === "running") {
      const cancel = h("button", "cancel", "Cancel");
      cancel.addEventListener("click", () => {
        (cancel as HTMLButtonElement).disabled = true;
        vscode.postMessage({ type: "cancel-call", id: call.id });
      });
      row.append(cancel);
    }
    section.append(row);
  }
  return section;
}

const vscode = acquireVsCodeApi();
window.addEventListener("message", (e: MessageEvent<DashboardSnapshot>) => {
  if (e.data?.type === "snapshot") render(e.data);
});
vscode.postMessage({ type: "ready" });
