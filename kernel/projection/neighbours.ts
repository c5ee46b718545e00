/** Cosine nearest neighbours of one row over every row of a packed matrix (exact, one pass). */

export interface Neighbour {
  index: number;
  similarity: number;
}

/** L2 norm of every row; NaN for invalid rows. */
export function rowNorms(matrix: Float32Array, rows: number, dim: number, valid?: Uint8Array): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (valid && !valid[r]) {
      out[r] = NaN;
      continue;
    }
    let sq = 0;
    const o = r * dim;
    for (let j = 0; j < dim; j++) sq += matrix[o + j]! * matrix[o + j]!;
    out[r] = Math.sqrt(sq);
  }
  return out;
}

/** The k rows most similar to `query` by cosine, best first (ties: lower row first); the query, invalid and zero rows left out. */
export function cosineNeighbours(matrix: Float32Array, rows: number, dim: number, query: number, k: number, norms: Float32Array): Neighbour[] {
  const qn = norms[query]!;
  if (!(qn > 0) || k < 1) return [];
  const q = matrix.slice(query * dim, query * dim + dim);
  const best: Neighbour[] = [];
  for (let r = 0; r < rows; r++) {
    const n = norms[r]!;
    if (r === query || !(n > 0)) continue;
    let dot = 0;
    const o = r * dim;
    for (let j = 0; j < dim; j++) dot += q[j]! * matrix[o + j]!;
    const sim = Math.max(-1, Math.min(1, dot / (qn * n)));
    if (best.length === k && sim <= best[k - 1]!.similarity) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.similarity < sim) at--;
    best.splice(at, 0, { index: r, similarity: sim });
    if (best.length > k) best.pop();
  }
  return best;
}
