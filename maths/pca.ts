/**
 * Numeric code shared by the notebook renderer and the kernel. The embedding inspector runs the same projections in
 * both: a table small enough to travel to the renderer is projected there (in a Worker), and a large one where the
 * kernel holds it, with only the coordinates crossing over. One implementation keeps the two pictures identical.
 * So nothing in this folder may use Node, the DOM or Arrow, nor import the rest of the project: callers pack their
 * rows into flat Float32Arrays (row-major, `rows × dim`) and pass those in.
 *
 * This file: principal component analysis of row vectors, fast enough for 100k × 512 in a webview.
 * The covariance of 512 dimensions costs n·d² to form, too slow at 100k rows, so the components are found by block
 * (subspace) power iteration on the centred rows — each step is one pass over the data — fitted on a seeded random
 * sample of at most `sampleSize` rows, then a Rayleigh–Ritz step orders them. With n ≤ sampleSize it is exact PCA
 * (to the convergence tolerance). All rows are then projected.
 */
import { sampleRows, seededRandom } from "./random.js";
import { symmetricEigen } from "./symmetric-eigen.js";

export interface PcaOptions {
  /** Components to return. @default 2 */
  components?: number;
  /** Rows used to fit the components (a seeded random sample); every row is projected. @default 8_000 */
  sampleSize?: number;
  /** Most power iterations. @default 100 */
  maxIterations?: number;
  /** Stop when the variance the top components capture changes by less than this, relatively. @default 1e-6 */
  tolerance?: number;
  /** Rows to skip (null or wrong-length vectors): `valid[i] === 0`. Skipped rows project to NaN. */
  valid?: Uint8Array;
}

export interface PcaResult {
  /** `components` × `dim`, row-major, unit length; the sign makes each vector's largest-|x| entry positive. */
  components: Float64Array[];
  /** Variance along each component (of the fitted sample, n − 1 denominator). */
  variances: number[];
  /** Share of the total variance each component explains. */
  explainedRatio: number[];
  mean: Float64Array;
  /** Projected coordinates, `n × components` row-major (x0, y0, x1, y1, …); NaN for invalid rows. */
  projection: Float32Array;
  iterations: number;
  fittedRows: number;
}

/** Seed of the rows the components are fitted on. */
const SAMPLE_SEED = 1;

export function pca(matrix: Float32Array, rows: number, dim: number, options: PcaOptions = {}): PcaResult {
  if (matrix.length < rows * dim) {
    throw new RangeError(`Expected ${rows} × ${dim} = ${rows * dim} values, but the matrix holds ${matrix.length}`);
  }
  const k = Math.max(1, Math.min(options.components ?? 2, dim));
  const valid = options.valid;
  const sample = sampleRows(rows, options.sampleSize ?? 8_000, SAMPLE_SEED, valid);
  const s = sample.length;
  const mean = new Float64Array(dim);
  const empty: PcaResult = {
    components: [], variances: [], explainedRatio: [], mean, projection: new Float32Array(rows * k).fill(NaN),
    iterations: 0, fittedRows: s,
  };
  if (s === 0) return empty;

  for (const r of sample) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) mean[j]! += matrix[o + j]!;
  }
  for (let j = 0; j < dim; j++) mean[j]! /= s;

  // Centred copy of the sample: the power steps read it many times.
  const x = new Float64Array(s * dim);
  let totalVariance = 0;
  for (let i = 0; i < s; i++) {
    const o = sample[i]! * dim;
    const p = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = matrix[o + j]! - mean[j]!;
      x[p + j] = v;
      totalVariance += v * v;
    }
  }
  const denom = Math.max(1, s - 1);
  totalVariance /= denom;

  // Block size above k speeds convergence (rate λ_{b+1}/λ_k instead of λ_{k+1}/λ_k).
  const b = Math.min(dim, s, k + 4);
  let basis = initialBasis(dim, b);
  orthonormalize(basis, dim, b);
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  let iterations = 0;
  const y = new Float64Array(s * b);
  // Stop on the captured variance (sum of the top-k Ritz values), not on the vectors: when eigenvalues are nearly
  // equal (8 clusters in general position) the vectors wander inside a subspace that projects equally well.
  let previous = -Infinity;
  for (; iterations < maxIterations; ) {
    iterations++;
    const next = covarianceTimes(x, s, dim, basis, b, y);
    const captured = topRitzSum(basis, next, dim, b, k);
    orthonormalize(next, dim, b);
    basis = next;
    if (iterations >= 3 && Math.abs(captured - previous) <= tolerance * Math.max(captured, 1e-300)) break;
    previous = captured;
  }

  // Rayleigh–Ritz: eigen-decompose Vᵀ C V (b × b) and rotate the basis onto its eigenvectors.
  const cv = covarianceTimes(x, s, dim, basis, b, y);
  const h = new Float64Array(b * b);
  for (let p = 0; p < b; p++) {
    for (let q = 0; q < b; q++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += basis[p * dim + j]! * cv[q * dim + j]!;
      h[p * b + q] = dot;
    }
  }
  for (let p = 0; p < b; p++) for (let q = p + 1; q < b; q++) {
    const avg = (h[p * b + q]! + h[q * b + p]!) / 2;
    h[p * b + q] = avg;
    h[q * b + p] = avg;
  }
  const { values, vectors } = symmetricEigen(h, b);
  const order = Array.from({ length: b }, (_, i) => i).sort((i, j) => values[j]! - values[i]!);

  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let c = 0; c < k; c++) {
    const e = order[c]!;
    const comp = new Float64Array(dim);
    for (let p = 0; p < b; p++) {
      const w = vectors[p * b + e]!;
      if (w === 0) continue;
      for (let j = 0; j < dim; j++) comp[j]! += w * basis[p * dim + j]!;
    }
    normalize(comp);
    fixSign(comp);
    components.push(comp);
    variances.push(Math.max(0, values[e]!));
  }

  const projection = project(matrix, rows, dim, mean, components, valid);
  return {
    components,
    variances,
    explainedRatio: variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
    mean,
    projection,
    iterations,
    fittedRows: s,
  };
}

/** Coordinates of every row on the given components (`rows × components.length`, row-major). */
export function project(
  matrix: Float32Array, rows: number, dim: number, mean: Float64Array, components: Float64Array[], valid?: Uint8Array,
): Float32Array {
  const k = components.length;
  const out = new Float32Array(rows * k);
  // Fold the mean into an offset per component: (x − μ)·c = x·c − μ·c.
  const offsets = components.map((c) => {
    let d = 0;
    for (let j = 0; j < dim; j++) d += mean[j]! * c[j]!;
    return d;
  });
  const c0 = components[0];
  const c1 = components[1];
  for (let r = 0; r < rows; r++) {
    if (valid && !valid[r]) {
      for (let c = 0; c < k; c++) out[r * k + c] = NaN;
      continue;
    }
    const o = r * dim;
    if (k === 2 && c0 && c1) {
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0;
      let j = 0;
      for (; j + 1 < dim; j += 2) {
        const v0 = matrix[o + j]!, v1 = matrix[o + j + 1]!;
        a0 += v0 * c0[j]!;
        a1 += v1 * c0[j + 1]!;
        b0 += v0 * c1[j]!;
        b1 += v1 * c1[j + 1]!;
      }
      if (j < dim) {
        a0 += matrix[o + j]! * c0[j]!;
        b0 += matrix[o + j]! * c1[j]!;
      }
      out[r * 2] = a0 + a1 - offsets[0]!;
      out[r * 2 + 1] = b0 + b1 - offsets[1]!;
      continue;
    }
    // Four components per pass over a row: each value read from the (large) matrix feeds four sums.
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const p0 = components[c]!, p1 = components[c + 1]!, p2 = components[c + 2]!, p3 = components[c + 3]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim; j++) {
        const x = matrix[o + j]!;
        s0 += x * p0[j]!;
        s1 += x * p1[j]!;
        s2 += x * p2[j]!;
        s3 += x * p3[j]!;
      }
      out[r * k + c] = s0 - offsets[c]!;
      out[r * k + c + 1] = s1 - offsets[c + 1]!;
      out[r * k + c + 2] = s2 - offsets[c + 2]!;
      out[r * k + c + 3] = s3 - offsets[c + 3]!;
    }
    for (; c < k; c++) {
      const comp = components[c]!;
      let d = 0;
      for (let j = 0; j < dim; j++) d += matrix[o + j]! * comp[j]!;
      out[r * k + c] = d - offsets[c]!;
    }
  }
  return out;
}

/** Sum of the k largest eigenvalues of Vᵀ(CV) for an orthonormal V: the variance the best k-subspace of V captures. */
function topRitzSum(basis: Float64Array, cv: Float64Array, dim: number, b: number, k: number): number {
  const h = new Float64Array(b * b);
  for (let p = 0; p < b; p++) {
    for (let q = p; q < b; q++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += basis[p * dim + j]! * cv[q * dim + j]!;
      h[p * b + q] = dot;
      h[q * b + p] = dot;
    }
  }
  const values = [...symmetricEigen(h, b).values].sort((u, v) => v - u);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += values[i]!;
  return sum;
}

/** Deterministic pseudo-random start (mulberry32), so a table always gets the same picture. */
function initialBasis(dim: number, b: number): Float64Array {
  const rand = seededRandom(0x9e3779b9);
  const v = new Float64Array(dim * b);
  for (let i = 0; i < v.length; i++) v[i] = rand() - 0.5;
  return v;
}

/**
 * C·V for the centred sample x (s × dim) and basis V (b vectors of dim): Xᵀ(X V) / (s − 1), in one pass over the
 * rows (each row is used for its b dot products and then, still in cache, for the b accumulations).
 */
function covarianceTimes(x: Float64Array, s: number, dim: number, basis: Float64Array, b: number, y: Float64Array): Float64Array {
  const out = new Float64Array(dim * b);
  const dim4 = dim - (dim % 4);
  for (let i = 0; i < s; i++) {
    const o = i * dim;
    for (let c = 0; c < b; c++) {
      const bo = c * dim;
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      let j = 0;
      for (; j < dim4; j += 4) {
        d0 += x[o + j]! * basis[bo + j]!;
        d1 += x[o + j + 1]! * basis[bo + j + 1]!;
        d2 += x[o + j + 2]! * basis[bo + j + 2]!;
        d3 += x[o + j + 3]! * basis[bo + j + 3]!;
      }
      for (; j < dim; j++) d0 += x[o + j]! * basis[bo + j]!;
      const w = d0 + d1 + d2 + d3;
      y[i * b + c] = w;
      if (w === 0) continue;
      for (let jj = 0; jj < dim; jj++) out[bo + jj]! += w * x[o + jj]!;
    }
  }
  const scale = 1 / Math.max(1, s - 1);
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return out;
}

/** Modified Gram–Schmidt in place; a vector that collapses is replaced by the next unit axis and redone. */
function orthonormalize(v: Float64Array, dim: number, b: number): void {
  let nextAxis = 0;
  for (let c = 0; c < b; c++) {
    const o = c * dim;
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          const po = p * dim;
          let dot = 0;
          for (let j = 0; j < dim; j++) dot += v[o + j]! * v[po + j]!;
          for (let j = 0; j < dim; j++) v[o + j]! -= dot * v[po + j]!;
        }
      }
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += v[o + j]! * v[o + j]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-12 || attempt >= dim) {
        for (let j = 0; j < dim; j++) v[o + j]! /= norm || 1;
        break;
      }
      const axis = nextAxis++ % dim;
      for (let j = 0; j < dim; j++) v[o + j] = j === axis ? 1 : 0;
    }
  }
}

function normalize(v: Float64Array): void {
  let n = 0;
  for (let j = 0; j < v.length; j++) n += v[j]! * v[j]!;
  n = Math.sqrt(n);
  if (n > 0) for (let j = 0; j < v.length; j++) v[j]! /= n;
}

function fixSign(v: Float64Array): void {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (Math.abs(v[j]!) > Math.abs(v[best]!) + 1e-12) best = j;
  if (v[best]! < 0) for (let j = 0; j < v.length; j++) v[j] = -v[j]!;
}
