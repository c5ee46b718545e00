/** Summaries of float vectors: compact table cells, sparklines, row norms and the norm histogram. */

export interface VectorSummary {
  dim: number;
  norm: number;
  min: number;
  max: number;
  mean: number;
}

export function summarizeVector(v: ArrayLike<number>): VectorSummary {
  const dim = v.length;
  if (dim === 0) return { dim: 0, norm: 0, min: NaN, max: NaN, mean: NaN };
  let sq = 0, sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < dim; i++) {
    const x = v[i]!;
    sq += x * x;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { dim, norm: Math.sqrt(sq), min, max, mean: sum / dim };
}

/**
 * Downsamples a vector to `bins` values for a sparkline: each bin holds the value of largest magnitude in its
 * slice, so spikes stay visible. With `dim <= bins` the values are returned as they are.
 */
export function sparklineBins(v: ArrayLike<number>, bins: number): Float32Array {
  const dim = v.length;
  if (dim <= bins) return Float32Array.from(v as ArrayLike<number>);
  const out = new Float32Array(bins);
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * dim) / bins);
    const to = Math.floor(((b + 1) * dim) / bins);
    let pick = v[from]!;
    for (let i = from + 1; i < to; i++) if (Math.abs(v[i]!) > Math.abs(pick)) pick = v[i]!;
    out[b] = pick;
  }
  return out;
}

/** L2 norm of every row of a packed matrix; NaN where `valid[r] === 0`. */
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

export interface Histogram {
  min: number;
  max: number;
  /** Width of each bin; 0 when every value is equal (all land in bin 0). */
  binWidth: number;
  counts: Uint32Array;
  /** Values that were NaN and left out. */
  skipped: number;
}

/** Equal-width histogram over [min, max]; the max lands in the last bin. */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  if (!(bins >= 1)) throw new RangeError(`bins must be >= 1, got ${bins}`);
  let min = Infinity, max = -Infinity, skipped = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) { skipped++; continue; }
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const counts = new Uint32Array(bins);
  if (min === Infinity) return { min: NaN, max: NaN, binWidth: 0, counts, skipped };
  const binWidth = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    const b = binWidth === 0 ? 0 : Math.min(bins - 1, Math.floor((x - min) / binWidth));
    counts[b]!++;
  }
  return { min, max, binWidth, counts, skipped };
}
