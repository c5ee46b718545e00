/**
 * The colours of the scatter's one-byte colour codes: a 256-entry RGBA palette for a legend.
 * Categorical: distinct hues, neighbours apart. Numeric: a perceptual ramp (dark blue → green → yellow).
 */
import { type ColorLegend, MAX_CATEGORIES, NULL_CODE, OTHER_CODE, RAMP_STEPS } from "../../maths/color-codes.js";

/** Distinct hues in an order where neighbours differ (categorical palette). */
const CATEGORY_COLORS = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
];
const OTHER_COLOR = "#8a8a8a";
const NULL_COLOR = "#5a5a5a";
/** Stops of the numeric ramp, low to high. */
const RAMP = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

/** "#rrggbb" → [r, g, b]. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rampColor(t: number): [number, number, number] {
  const f = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(f));
  const a = hexToRgb(RAMP[i]!), b = hexToRgb(RAMP[i + 1]!);
  const u = f - i;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * u)) as [number, number, number];
}

/** The 256 RGBA entries for a legend's codes; `base` colours every point when there is no colour column. */
export function paletteFor(legend: ColorLegend, base: [number, number, number]): Uint8Array {
  const p = new Uint8Array(256 * 4);
  const put = (code: number, [r, g, b]: [number, number, number]): void => {
    p.set([r, g, b, 255], code * 4);
  };
  for (let c = 0; c < 256; c++) put(c, base);
  if (legend.kind === "categorical") {
    for (let c = 0; c < MAX_CATEGORIES; c++) put(c, hexToRgb(CATEGORY_COLORS[c]!));
    put(OTHER_CODE, hexToRgb(OTHER_COLOR));
  } else if (legend.kind === "numeric") {
    for (let c = 0; c < RAMP_STEPS; c++) put(c, rampColor((c + 0.5) / RAMP_STEPS));
  }
  if (legend.kind !== "none") put(NULL_CODE, hexToRgb(NULL_COLOR));
  return p;
}

/** CSS colour of a palette code (legend swatches). */
export function codeColor(palette: Uint8Array, code: number): string {
  const o = code * 4;
  return `rgb(${palette[o]}, ${palette[o + 1]}, ${palette[o + 2]})`;
}
