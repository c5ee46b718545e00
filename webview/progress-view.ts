/** Chunk progress of a chunkedCall: a tile per chunk coloured by state, totals, rate, ETA and the failed chunks. */
import type { CallProgress } from "../protocol/progress.js";
import { CHUNK_STATES, chunkTooltip, summarizeProgress } from "./lib/progress-summary.js";
import { h } from "./dom.js";

/** Past this many chunks the tiles are left out (the bar, counts and failures remain). */
const MAX_TILES = 5_000;

export function renderProgress(p: CallProgress): HTMLDivElement {
  const s = summarizeProgress(p);
  const root = h("div", "cnb-progress");
  root.dataset.state = p.state;

  const head = h("div", "cnb-progress-head");
  const badge = document.createElement("vscode-badge");
  badge.textContent = p.state;
  head.append(h("strong", "", p.functionName), badge, h("span", "cnb-progress-headline", s.headline));
  const barWrap = h("div", "cnb-bar-wrap");
  barWrap.setAttribute("role", "progressbar");
  barWrap.setAttribute("aria-valuemin", "0");
  barWrap.setAttribute("aria-valuemax", String(p.totalRows));
  barWrap.setAttribute("aria-valuenow", String(p.rowsDone));
  const fill = h("div", "cnb-bar-fill");
  fill.style.width = `${(s.fraction * 100).toFixed(2)}%`;
  barWrap.append(fill);

  const legend = h("div", "cnb-legend");
  for (const st of CHUNK_STATES) {
    if (s.counts[st] === 0 && (st === "cancelled" || st === "retried")) continue;
    const item = h("span", "cnb-legend-item");
    item.append(h("span", `cnb-tile cnb-st-${st}`), h("span", "", `${s.counts[st]} ${st}`));
    legend.append(item);
  }
  root.append(head, barWrap, legend);

  if (p.chunks.length <= MAX_TILES) {
    const tiles = h("div", "cnb-tiles");
    const size = p.chunks.length <= 200 ? 12 : p.chunks.length <= 1_000 ? 8 : 5;
    tiles.style.setProperty("--cnb-tile", `${size}px`);
    for (const c of p.chunks) {
      const t = h("div", `cnb-tile cnb-st-${c.state}`);
      t.title = chunkTooltip(c);
      t.dataset.chunk = String(c.index);
      tiles.append(t);
    }
    root.append(tiles);
  }

  if (s.failed.length > 0) {
    const list = h("ul", "cnb-failed-list");
    for (const c of s.failed.slice(0, 50)) {
      list.append(h("li", "", `chunk ${c.index}, rows [${c.rows[0]}, ${c.rows[1]}), ${c.attempts} attempt${c.attempts === 1 ? "" : "s"}: ${c.error ? `${c.error.code}: ${c.error.message}` : "no error given"}`));
    }
    if (s.failed.length > 50) list.append(h("li", "", `… ${s.failed.length - 50} more failed chunks`));
    root.append(list);
  }
  return root;
}
