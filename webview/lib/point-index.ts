/**
 * A uniform grid over 2-D points in data space, built once per projection (O(n)), so hovering and clicking find the
 * nearest point among a million at any zoom without rebuilding anything when the view pans or zooms.
 */
export class PointIndex {
  readonly #points: Float32Array;
  readonly #minX: number;
  readonly #minY: number;
  readonly #cell: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #starts: Uint32Array;
  readonly #items: Uint32Array;

  /** `pointsPerCell`: the average occupancy aimed at; NaN points are left out. */
  constructor(points: Float32Array, pointsPerCell = 4) {
    this.#points = points;
    const n = points.length >> 1;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, valid = 0;
    for (let i = 0; i < n; i++) {
      const x = points[2 * i]!, y = points[2 * i + 1]!;
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      valid++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (valid === 0) minX = maxX = minY = maxY = 0;
    const span = Math.max(maxX - minX, maxY - minY, 1e-12);
    const side = Math.max(1, Math.min(2048, Math.ceil(Math.sqrt(valid / pointsPerCell))));
    this.#cell = span / side;
    this.#minX = minX;
    this.#minY = minY;
    this.#cols = Math.max(1, Math.ceil((maxX - minX) / this.#cell) + 1);
    this.#rows = Math.max(1, Math.ceil((maxY - minY) / this.#cell) + 1);
    const cellOf = new Int32Array(n).fill(-1);
    const counts = new Uint32Array(this.#cols * this.#rows + 1);
    for (let i = 0; i < n; i++) {
      const x = points[2 * i]!, y = points[2 * i + 1]!;
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      const c = this.#cellIndex(x, y);
      cellOf[i] = c;
      counts[c + 1]!++;
    }
    for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
    this.#starts = counts.slice();
    this.#items = new Uint32Array(counts[counts.length - 1]!);
    const fill = counts;
    for (let i = 0; i < n; i++) if (cellOf[i]! >= 0) this.#items[fill[cellOf[i]!]!++] = i;
  }

  /** Index of the point nearest (x, y) within `radius` (data units), or -1; ties go to the lower index. */
  nearest(x: number, y: number, radius: number): number {
    let best = -1, bestD = radius * radius;
    const c0 = this.#col(x - radius), c1 = this.#col(x + radius), r0 = this.#row(y - radius), r1 = this.#row(y + radius);
    if (c1 < 0 || r1 < 0 || c0 >= this.#cols || r0 >= this.#rows) return -1;
    const pts = this.#points;
    for (let r = Math.max(0, r0); r <= Math.min(this.#rows - 1, r1); r++) {
      for (let c = Math.max(0, c0); c <= Math.min(this.#cols - 1, c1); c++) {
        const cell = r * this.#cols + c;
        for (let k = this.#starts[cell]!; k < this.#starts[cell + 1]!; k++) {
          const i = this.#items[k]!;
          const dx = pts[2 * i]! - x, dy = pts[2 * i + 1]! - y;
          const d = dx * dx + dy * dy;
          if (d < bestD || (d === bestD && best !== -1 && i < best) || (d === bestD && best === -1)) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }

  #col(x: number): number {
    return Math.floor((x - this.#minX) / this.#cell);
  }

  #row(y: number): number {
    return Math.floor((y - this.#minY) / this.#cell);
  }

  #cellIndex(x: number, y: number): number {
    return Math.min(this.#rows - 1, this.#row(y)) * this.#cols + Math.min(this.#cols - 1, this.#col(x));
  }
}
