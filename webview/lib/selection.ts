/**
 * Box and lasso selection over 2-D points (interleaved x0, y0, x1, y1, …), in whatever space the shape is given —
 * the inspector passes data coordinates, so a selection does not depend on the zoom it was drawn at.
 */

/** Even–odd rule; `polygon` is interleaved vertices, implicitly closed. Points on an edge may fall either way. */
export function pointInPolygon(x: number, y: number, polygon: ArrayLike<number>): boolean {
  let inside = false;
  const n = polygon.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = polygon[2 * i]!, yi = polygon[2 * i + 1]!, xj = polygon[2 * j]!, yj = polygon[2 * j + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Indices of the points inside the lasso, ascending. A lasso of fewer than 3 vertices selects nothing. */
export function selectInPolygon(points: Float32Array, polygon: ArrayLike<number>): Uint32Array {
  if (polygon.length < 6) return new Uint32Array(0);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i + 1 < polygon.length; i += 2) {
    minX = Math.min(minX, polygon[i]!);
    maxX = Math.max(maxX, polygon[i]!);
    minY = Math.min(minY, polygon[i + 1]!);
    maxY = Math.max(maxY, polygon[i + 1]!);
  }
  const out: number[] = [];
  const n = points.length >> 1;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!, y = points[2 * i + 1]!;
    // The bounding box rejects most points of a million cheaply; NaN (unprojected rows) fails every comparison.
    if (!(x >= minX && x <= maxX && y >= minY && y <= maxY)) continue;
    if (pointInPolygon(x, y, polygon)) out.push(i);
  }
  return Uint32Array.from(out);
}

/** Indices of the points inside the axis-aligned box with corners (x0, y0) and (x1, y1), edges included. */
export function selectInBox(points: Float32Array, x0: number, y0: number, x1: number, y1: number): Uint32Array {
  const minX = Math.min(x0, x1), maxX = Math.max(x0, x1), minY = Math.min(y0, y1), maxY = Math.max(y0, y1);
  const out: number[] = [];
  const n = points.length >> 1;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!, y = points[2 * i + 1]!;
    if (x >= minX && x <= maxX && y >= minY && y <= maxY) out.push(i);
  }
  return Uint32Array.from(out);
}
