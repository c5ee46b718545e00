// Pooling of a model's token outputs into one vector per text. Kept apart from ONNX Runtime so it is plain math on
// typed arrays: the embedder and its tests share nothing but these definitions.

/** How token vectors become one text vector: the mask-weighted mean (sentence-transformers' default) or the first token. */
export type Pooling = "mean" | "cls";

/**
 * Pools `hidden` ([batch, seq, dim], row-major) into `batch` vectors of `dim`. Mean pooling averages only the positions
 * whose attention mask is 1, so the padding added to reach the batch's longest row never changes a text's vector.
 */
export function pool(hidden: Float32Array, mask: BigInt64Array, batch: number, seq: number, dim: number, pooling: Pooling): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const vector = new Float32Array(dim);
    if (pooling === "cls") {
      vector.set(hidden.subarray(b * seq * dim, b * seq * dim + dim));
    } else {
      let count = 0;
      for (let s = 0; s < seq; s++) {
        if (mask[b * seq + s] === 0n) continue;
        count++;
        const base = (b * seq + s) * dim;
        for (let d = 0; d < dim; d++) vector[d] += hidden[base + d];
      }
      // An empty row (no tokens at all) stays the zero vector rather than NaN.
      if (count > 0) for (let d = 0; d < dim; d++) vector[d] /= count;
    }
    out.push(vector);
  }
  return out;
}

/** Scales a vector to unit length in place (cosine similarity becomes a dot product); a zero vector stays zero. */
export function l2normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}
