/**
 * Places rows in a 2-D layout made for a sample of them (the anchors): each row goes to the inverse-distance-weighted
 * mean of its k nearest anchors, in a (reduced) vector space. The nearest anchors are searched only in the few
 * anchor groups whose centres are nearest the row (groups from a short k-means), so placing a million rows around
 * 5,000 anchors costs about 300 distance computations per row instead of 5,000. Anchors keep their own position.
 */

export interface PlaceOptions {
  /** Neighbours averaged. @default 5 */
  k?: number;
  /** Anchor groups searched per row. @default 3 */
  probe?: number;
}

export function placeByNeighbours(
  vectors: Float32Array, rows: number, dim: number, anchors: Uint32Array, anchorXY: Float32Array, options: PlaceOptions = {},
): Float32Array {
  const out = new Float32Array(rows * 2).fill(NaN);
  const s = anchors.length;
  if (s === 0) return out;
  const k = Math.max(1, Math.min(options.k ?? 5, s));
  const groups = Math.max(1, Math.min(128, Math.round(Math.sqrt(s))));
  const probe = Math.max(1, Math.min(options.probe ?? 3, groups));
  const centres = new Float32Array(groups * dim);
  for (let g = 0; g < groups; g++) {
    const a = anchors[Math.floor((g * s) / groups)]!;
    centres.set(vectors.subarray(a * dim, a * dim + dim), g * dim);
  }
  const groupOf = new Uint32Array(s);
  const dist = (row: number, c: Float32Array, at: number): number => {
    let d = 0;
    const o = row * dim;
    for (let j = 0; j < dim; j++) {
      const t = vectors[o + j]! - c[at + j]!;
      d += t * t;
    }
    return d;
  };
  for (let iter = 0; iter < 4; iter++) {
    for (let i = 0; i < s; i++) {
      let best = 0, bestD = Infinity;
      for (let g = 0; g < groups; g++) {
        const d = dist(anchors[i]!, centres, g * dim);
        if (d < bestD) { bestD = d; best = g; }
      }
      groupOf[i] = best;
    }
    const sums = new Float64Array(groups * dim), counts = new Uint32Array(groups);
    for (let i = 0; i < s; i++) {
      const g = groupOf[i]!, o = anchors[i]! * dim;
      counts[g]!++;
      for (let j = 0; j < dim; j++) sums[g * dim + j]! += vectors[o + j]!;
    }
    for (let g = 0; g < groups; g++) if (counts[g]! > 0) for (let j = 0; j < dim; j++) centres[g * dim + j] = sums[g * dim + j]! / counts[g]!;
  }
  // Anchors of each group, contiguous.
  const starts = new Uint32Array(groups + 1);
  for (let i = 0; i < s; i++) starts[groupOf[i]! + 1]!++;
  for (let g = 1; g <= groups; g++) starts[g]! += starts[g - 1]!;
  const members = new Uint32Array(s);
  const fill = starts.slice();
  for (let i = 0; i < s; i++) members[fill[groupOf[i]!]!++] = i;

  const isAnchor = new Int32Array(rows).fill(-1);
  for (let i = 0; i < s; i++) {
    isAnchor[anchors[i]!] = i;
    out[2 * anchors[i]!] = anchorXY[2 * i]!;
    out[2 * anchors[i]! + 1] = anchorXY[2 * i + 1]!;
  }
  const gd = new Float64Array(groups), gi = new Int32Array(probe), bestD = new Float64Array(k), bestI = new Int32Array(k);
  for (let r = 0; r < rows; r++) {
    if (isAnchor[r]! >= 0 || Number.isNaN(vectors[r * dim]!)) continue;
    // Distances inlined in the two hot loops below (a closure call per distance cost several times the arithmetic).
    const ro = r * dim;
    for (let g = 0; g < groups; g++) {
      let d = 0;
      const go = g * dim;
      for (let j = 0; j < dim; j++) {
        const t = vectors[ro + j]! - centres[go + j]!;
        d += t * t;
      }
      gd[g] = d;
    }
    for (let p = 0; p < probe; p++) {
      let b = -1;
      for (let g = 0; g < groups; g++) if (b < 0 || gd[g]! < gd[b]!) b = g;
      gi[p] = b;
      gd[b] = Infinity;
    }
    bestD.fill(Infinity);
    bestI.fill(-1);
    for (let p = 0; p < probe; p++) {
      const g = gi[p]!;
      for (let m = starts[g]!; m < starts[g + 1]!; m++) {
        const i = members[m]!;
        const ao = anchors[i]! * dim;
        let d = 0;
        for (let j = 0; j < dim; j++) {
          const t = vectors[ro + j]! - vectors[ao + j]!;
          d += t * t;
        }
        if (d >= bestD[k - 1]!) continue;
        let at = k - 1;
        while (at > 0 && bestD[at - 1]! > d) {
          bestD[at] = bestD[at - 1]!;
          bestI[at] = bestI[at - 1]!;
          at--;
        }
        bestD[at] = d;
        bestI[at] = i;
      }
    }
    let wx = 0, wy = 0, w = 0;
    for (let j = 0; j < k && bestI[j]! >= 0; j++) {
      const i = bestI[j]!;
      if (bestD[j] === 0) {
        wx = anchorXY[2 * i]!;
        wy = anchorXY[2 * i + 1]!;
        w = 1;
        break;
      }
      const weight = 1 / Math.sqrt(bestD[j]!);
      wx += weight * anchorXY[2 * i]!;
      wy += weight * anchorXY[2 * i + 1]!;
      w += weight;
    }
    if (w > 0) {
      out[2 * r] = wx / w;
      out[2 * r + 1] = wy / w;
    }
  }
  return out;
}
