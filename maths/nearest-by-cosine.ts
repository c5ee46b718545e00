/** Exact cosine nearest neighbours of one row: a single pass over every row, with no index to build or keep in step. */
import { rowNorms } from "./vector-stats.js";

export interface Neighbor {
  index: number;
  /** Cosine similarity to the query row, in [-1, 1]. */
  similarity: number;
}

/**
 * The `k` rows most similar to row `query` by cosine, best first (ties: lower index first), the query excluded.
 * Zero-norm and invalid rows are skipped. `norms` may be passed when already computed.
 */
export function nearestByCosine(
  matrix: Float32Array, rows: number, dim: number, query: number, k: number,
  options: { norms?: Float32Array; valid?: Uint8Array } = {},
): Neighbor[] {
  const norms = options.norms ?? rowNorms(matrix, rows, dim, options.valid);
  const qn = norms[query]!;
  if (!(qn > 0) || k < 1) return [];
  const q = matrix.subarray(query * dim, query * dim + dim);
  // Keep the best k in a small sorted array: k is tiny next to rows.
  const best: Neighbor[] = [];
  for (let r = 0; r < rows; r++) {
    if (r === query) continue;
    if (options.valid && !options.valid[r]) continue;
    const n = norms[r]!;
    if (!(n > 0)) continue;
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
