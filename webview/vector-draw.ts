/** Canvas drawings of one vector: a sparkline for table cells and a diverging heat strip for the detail panel. */
import { sparklineBins } from "../maths/vector-stats.js";

export function drawSparkline(ctx: CanvasRenderingContext2D, v: ArrayLike<number>, width: number, height: number, color: string): void {
  ctx.clearRect(0, 0, width, height);
  const bins = sparklineBins(v, Math.max(1, Math.floor(width / 2)));
  let maxAbs = 0;
  for (const x of bins) maxAbs = Math.max(maxAbs, Math.abs(x));
  if (maxAbs === 0 || !Number.isFinite(maxAbs)) return;
  const mid = height / 2;
  const bw = width / bins.length;
  ctx.fillStyle = color;
  for (let i = 0; i < bins.length; i++) {
    const hgt = (bins[i]! / maxAbs) * mid;
    ctx.fillRect(i * bw, hgt >= 0 ? mid - hgt : mid, Math.max(1, bw - 0.5), Math.max(0.5, Math.abs(hgt)));
  }
}

/** One column per dimension: blue for negative, red for positive, intensity by |x| / max|x|. */
export function drawHeatStrip(ctx: CanvasRenderingContext2D, v: ArrayLike<number>, width: number, height: number): void {
  ctx.clearRect(0, 0, width, height);
  let maxAbs = 0;
  for (let i = 0; i < v.length; i++) maxAbs = Math.max(maxAbs, Math.abs(v[i]!));
  if (v.length === 0 || maxAbs === 0) return;
  const w = width / v.length;
  for (let i = 0; i < v.length; i++) {
    const t = v[i]! / maxAbs;
    const a = Math.min(1, Math.abs(t));
    ctx.fillStyle = t >= 0 ? `rgba(241, 76, 76, ${a})` : `rgba(55, 148, 255, ${a})`;
    ctx.fillRect(i * w, 0, Math.max(1, w), height);
  }
}
