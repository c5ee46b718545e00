/** Numbers and text for the chunk progress view, from the `CallProgress` JSON the kernel displays. */
import type { CallProgress, ChunkProgress, ChunkState } from "../../protocol/progress.js";
import { formatCount, formatDuration } from "./format.js";

export const CHUNK_STATES: readonly ChunkState[] = ["queued", "running", "done", "retried", "failed", "cancelled"];

export interface ProgressSummary {
  counts: Record<ChunkState, number>;
  /** 0..1 share of rows done. */
  fraction: number;
  /** e.g. "750 / 1,000 rows · 312 rows/s · ETA 0.8 s". */
  headline: string;
  failed: ChunkProgress[];
}

export function summarizeProgress(p: CallProgress): ProgressSummary {
  const counts = Object.fromEntries(CHUNK_STATES.map((s) => [s, 0])) as Record<ChunkState, number>;
  for (const c of p.chunks) counts[c.state] = (counts[c.state] ?? 0) + 1;
  const fraction = p.totalRows > 0 ? Math.min(1, p.rowsDone / p.totalRows) : p.state === "done" ? 1 : 0;
  const parts = [`${formatCount(p.rowsDone)} / ${formatCount(p.totalRows)} rows`];
  parts.push(`${formatCount(Math.round(p.rowsPerSecond))} rows/s`);
  if (p.state === "running") {
    parts.push(p.etaSeconds === null ? "ETA —" : `ETA ${formatDuration(p.etaSeconds)}`);
  } else if (p.finishedAt !== undefined) {
    parts.push(`${p.state} in ${formatDuration((p.finishedAt - p.startedAt) / 1000)}`);
  } else {
    parts.push(p.state);
  }
  return { counts, fraction, headline: parts.join(" · "), failed: p.chunks.filter((c) => c.state === "failed") };
}

/** Tooltip of one chunk tile: rows, state, attempts, timings, error. */
export function chunkTooltip(c: ChunkProgress): string {
  const lines = [`chunk ${c.index} · rows [${c.rows[0]}, ${c.rows[1]}) · ${c.state}`];
  lines.push(`attempts: ${c.attempts}`);
  if (c.submittedAt !== undefined && c.startedAt !== undefined) {
    lines.push(`waited ${formatDuration((c.startedAt - c.submittedAt) / 1000)} in queue`);
  }
  if (c.startedAt !== undefined && c.finishedAt !== undefined) {
    lines.push(`ran ${formatDuration((c.finishedAt - c.startedAt) / 1000)}`);
  } else if (c.submittedAt !== undefined && c.finishedAt !== undefined) {
    lines.push(`took ${formatDuration((c.finishedAt - c.submittedAt) / 1000)}`);
  }
  if (c.error) lines.push(`${c.error.code}: ${c.error.message}`);
  return lines.join("\n");
}

/** Plain-text rendering (the `text/plain` twin and the e2e assertions use it). */
export function progressText(p: CallProgress): string {
  const s = summarizeProgress(p);
  const states = CHUNK_STATES.filter((st) => s.counts[st] > 0).map((st) => `${s.counts[st]} ${st}`).join(", ");
  const lines = [`${p.functionName}: ${s.headline}`, `chunks: ${states || "none"}`];
  for (const c of s.failed) lines.push(`failed chunk ${c.index} rows [${c.rows[0]}, ${c.rows[1]}): ${c.error ? `${c.error.code}: ${c.error.message}` : "no error given"}`);
  return lines.join("\n");
}
