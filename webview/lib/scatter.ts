/** Screen mapping and hit testing for the embedding scatter plot (2-D points, up to ~100k). */

export interface ScatterTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/**
 * Fits interleaved points (x0, y0, x1, y1, …) into width × height with `padding` px on each side, the same scale on
 * both axes (so distances are not distorted), y pointing up. NaN points are ignored.
 */
export function fitPoints(points: Float32Array, width: number, height: number, padding = 8): ScatterTransform {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i]!, y = points[i + 1]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (minX === Infinity) return { scale: 1, offsetX: width / 2, offsetY: height / 2 };
  const w = Math.max(1, width - 2 * padding), h = Math.max(1, height - 2 * padding);
  const spanX = maxX - minX, spanY = maxY - minY;
  const scale = spanX === 0 && spanY === 0 ? 1 : Math.min(spanX > 0 ? w / spanX : Infinity, spanY > 0 ? h / spanY : Infinity);
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  return { scale, offsetX: width / 2 - cx * scale, offsetY: height / 2 + cy * scale };
}

export function toScreen(t: ScatterTransform, x: number, y: number): [number, number] {
  return [t.offsetX + x * t.scale, t.offsetY - y * t.scale];
}

/** Screen (CSS px) → data coordinates; the inverse of {@link toScreen}. */
export function toData(t: ScatterTransform, sx: number, sy: number): [number, number] {
  return [(sx - t.offsetX) / t.scale, (t.offsetY - sy) / t.scale];
}

/** Zooms by `factor` keeping the data point under (sx, sy) where it is; the scale stays within [minScale, maxScale]. */
export function zoomAt(t: ScatterTransform, factor: number, sx: number, sy: number, minScale = 0, maxScale = Infinity): ScatterTransform {
  const scale = Math.min(maxScale, Math.max(minScale, t.scale * factor));
  const [x, y] = toData(t, sx, sy);
  return { scale, offsetX: sx - x * scale, offsetY: sy + y * scale };
}

/** Moves the view by (dx, dy) screen px. */
export function panBy(t: ScatterTransform, dx: number, dy: number): ScatterTransform {
  return { scale: t.scale, offsetX: t.offsetX + dx, offsetY: t.offsetY + dy };
}

/** Uniform grid over screen positions: nearest point to the pointer in O(points per cell). */
export class PointGrid {
  readonly #cell: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #starts: Uint32Array;
  readonly #items: Uint32Array;
  readonly #sx: Float32Array;
  readonly #sy: Float32Array;

  constructor(points: Float32Array, t: ScatterTransform, width: number, height: number, cell = 12) {
    const n = points.length >> 1;
    this.#cell = cell;
    this.#cols = Math.max(1, Math.ceil(width / cell));
    this.#rows = Math.max(1, Math.ceil(height / cell));
    this.#sx = new Float32Array(n);
    this.#sy = new Float32Array(n);
    const cellOf = new Int32Array(n).fill(-1);
    const counts = new Uint32Array(this.#cols * this.#rows + 1);
    for (let i = 0; i < n; i++) {
      const [x, y] = toScreen(t, points[2 * i]!, points[2 * i + 1]!);
      this.#sx[i] = x;
      this.#sy[i] = y;
      if (!(x >= 0 && x < width && y >= 0 && y < height)) continue;
      const c = Math.floor(y / cell) * this.#cols + Math.floor(x / cell);
      cellOf[i] = c;
      counts[c + 1]!++;
    }
    for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
    this.#starts = counts.slice();
    this.#items = new Uint32Array(counts[counts.length - 1]!);
    const fill = counts.slice();
    for (let i = 0; i < n; i++) if (cellOf[i]! >= 0) this.#items[fill[cellOf[i]!]!++] = i;
  }

  /** Screen position of point i. */
  position(i: number): [number, number] {
    return [this.#sx[i]!, this.#sy[i]!];
  }

  /** Index of the point nearest (x, y) within `radius` px, or -1; ties go to the lower index. */
  nearest(x: number, y: number, radius = 6): number {
    let best = -1, bestD = radius * radius;
    const c0 = Math.max(0, Math.floor((x - radius) / this.#cell)), c1 = Math.min(this.#cols - 1, Math.floor((x + radius) / this.#cell));
    const r0 = Math.max(0, Math.floor((y - radius) / this.#cell)), r1 = Math.min(this.#rows - 1, Math.floor((y + radius) / this.#cell));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cellIndex = r * this.#cols + c;
        for (let k = this.#starts[cellIndex]!; k < this.#starts[cellIndex + 1]!; k++) {
          const i = this.#items[k]!;
          const dx = this.#sx[i]! - x, dy = this.#sy[i]! - y;
          const d = dx * dx + dy * dy;
          if (d < bestD || (d === bestD && best !== -1 && i < best)) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }
}
