/**
 * PCA of row vectors for the kernel's inspector ops, at any row count: the components are fitted on a seeded random
 * sample (subspace iteration on the centred sample, then a Rayleigh–Ritz step to order them) and every row is
 * projected. Deterministic: the starting basis is fixed, so the same table gives the same picture.
 */
export interface PcaOptions {
  components?: number;
  /** Rows the components are fitted on. @default 8_000 */
  sampleSize?: number;
  iterations?: number;
  valid?: Uint8Array;
}

export interface PcaProjection {
  /** rows × components, row-major; NaN for invalid rows. */
  projection: Float32Array;
  components: number;
  explainedRatio: number[];
  fittedRows: number;
}

/**
 * `size` distinct valid rows chosen at random with a fixed seed, ascending. Random, not evenly spaced: rows often come
 * in a period (round-robin batches, one topic per n rows), and every k-th row would then see only some of the groups.
 */
export function sampleRows(rows: number, size: number, valid?: Uint8Array, seed = 1): Uint32Array {
  const ok: number[] = [];
  for (let i = 0; i < rows; i++) if (!valid || valid[i]) ok.push(i);
  const n = Math.min(size, ok.length);
  if (n === ok.length) return Uint32Array.from(ok);
  const random = seededRandom(seed);
  // Partial Fisher–Yates: the first n places end up a uniform sample.
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (ok.length - i));
    const t = ok[i]!;
    ok[i] = ok[j]!;
    ok[j] = t;
  }
  return Uint32Array.from(ok.slice(0, n)).sort();
}

/** mulberry32: deterministic uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pcaProject(matrix: Float32Array, rows: number, dim: number, options: PcaOptions = {}): PcaProjection {
  const k = Math.max(1, Math.min(options.components ?? 2, dim));
  const sample = sampleRows(rows, options.sampleSize ?? 8_000, options.valid);
  const s = sample.length;
  const projection = new Float32Array(rows * k).fill(NaN);
  if (s === 0) return { projection, components: k, explainedRatio: [], fittedRows: 0 };
  const mean = new Float64Array(dim);
  for (const r of sample) for (let j = 0; j < dim; j++) mean[j]! += matrix[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= s;
  const x = new Float64Array(s * dim);
  let total = 0;
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < dim; j++) {
      const v = matrix[sample[i]! * dim + j]! - mean[j]!;
      x[i * dim + j] = v;
      total += v * v;
    }
  }
  const b = Math.min(dim, s, k + 4);
  // The basis is kept as b rows of length dim (transposed), so every inner loop below walks memory in order.
  let q = new Float64Array(b * dim);
  // A fixed, full-rank start: row c is a smooth wave of frequency c + 1 (never orthogonal to real data by chance).
  for (let c = 0; c < b; c++) for (let j = 0; j < dim; j++) q[c * dim + j] = Math.cos(((c + 1) * (j + 0.5) * Math.PI) / dim) + (c === j % b ? 0.5 : 0);
  orthonormalizeRows(q, b, dim);
  const y = new Float64Array(s * b);
  let captured = 0;
  for (let it = 0; it < (options.iterations ?? 40); it++) {
    // Stop once the variance the subspace holds (the trace of QᵀCQ, which no rotation within it changes) settles.
    const now = multiply(x, q, y, s, dim, b);
    if (it > 2 && Math.abs(now - captured) <= 1e-7 * now) break;
    captured = now;
    const z = new Float64Array(b * dim);
    for (let i = 0; i < s; i++) {
      const xo = i * dim;
      for (let c = 0; c < b; c++) {
        const a = y[i * b + c]!, zo = c * dim;
        for (let j = 0; j < dim; j++) z[zo + j]! += a * x[xo + j]!;
      }
    }
    orthonormalizeRows(z, b, dim);
    q = z;
  }
  // Rayleigh–Ritz: eigenvectors of (XQ)ᵀ(XQ) order and rotate the basis.
  multiply(x, q, y, s, dim, b);
  const g = new Float64Array(b * b);
  for (let i = 0; i < s; i++) for (let c = 0; c < b; c++) for (let d = 0; d < b; d++) g[c * b + d]! += y[i * b + c]! * y[i * b + d]!;
  const { values, vectors } = symmetricEigen(g, b);
  const order = [...values.keys()].sort((p, r) => values[r]! - values[p]!).slice(0, k);
  const comps = new Float64Array(k * dim);
  order.forEach((e, c) => {
    for (let d = 0; d < b; d++) {
      const w = vectors[d * b + e]!;
      for (let j = 0; j < dim; j++) comps[c * dim + j]! += w * q[d * dim + j]!;
    }
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(comps[c * dim + j]!) > Math.abs(big)) big = comps[c * dim + j]!;
    // Sign convention: the largest-magnitude entry is positive, so reruns do not mirror the plot.
    if (big < 0) for (let j = 0; j < dim; j++) comps[c * dim + j] = -comps[c * dim + j]!;
  });
  const explainedRatio = order.map((e) => (total > 0 ? Math.max(0, values[e]!) / total : 0));
  const centredDot = new Float64Array(k);
  for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) centredDot[c]! += mean[j]! * comps[c * dim + j]!;
  // Four components per pass over a row: each value read from the (large) matrix feeds four sums.
  const c32 = Float32Array.from(comps);
  for (let r = 0; r < rows; r++) {
    if (options.valid && !options.valid[r]) continue;
    const o = r * dim;
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const a = c * dim, b = a + dim, e = b + dim, f = e + dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim; j++) {
        const x = matrix[o + j]!;
        s0 += x * c32[a + j]!;
        s1 += x * c32[b + j]!;
        s2 += x * c32[e + j]!;
        s3 += x * c32[f + j]!;
      }
      projection[r * k + c] = s0 - centredDot[c]!;
      projection[r * k + c + 1] = s1 - centredDot[c + 1]!;
      projection[r * k + c + 2] = s2 - centredDot[c + 2]!;
      projection[r * k + c + 3] = s3 - centredDot[c + 3]!;
    }
    for (; c < k; c++) {
      let v = 0;
      const co = c * dim;
      for (let j = 0; j < dim; j++) v += matrix[o + j]! * c32[co + j]!;
      projection[r * k + c] = v - centredDot[c]!;
    }
  }
  return { projection, components: k, explainedRatio, fittedRows: s };
}

/** y = X·Qᵀ for the b basis rows; returns Σ y², the variance (times s − 1) the basis holds. */
function multiply(x: Float64Array, q: Float64Array, y: Float64Array, s: number, dim: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < s; i++) {
    const xo = i * dim;
    for (let c = 0; c < b; c++) {
      const qo = c * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += x[xo + j]! * q[qo + j]!;
      y[i * b + c] = dot;
      sum += dot * dot;
    }
  }
  return sum;
}

/** Modified Gram–Schmidt on the b rows (each of length dim) of a row-major matrix. */
function orthonormalizeRows(m: Float64Array, b: number, dim: number): void {
  for (let c = 0; c < b; c++) {
    const co = c * dim;
    for (let p = 0; p < c; p++) {
      const po = p * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += m[co + j]! * m[po + j]!;
      for (let j = 0; j < dim; j++) m[co + j]! -= dot * m[po + j]!;
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += m[co + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) m[co + j]! /= norm;
  }
}

/** Cyclic Jacobi for a small symmetric n × n matrix: eigenvalues and column eigenvectors. */
export function symmetricEigen(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = input.slice();
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let r = p + 1; r < n; r++) off += a[p * n + r]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let r = p + 1; r < n; r++) {
        const apr = a[p * n + r]!;
        if (Math.abs(apr) < 1e-300) continue;
        const theta = (a[r * n + r]! - a[p * n + p]!) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), sn = t * c;
        for (let i = 0; i < n; i++) {
          const aip = a[i * n + p]!, air = a[i * n + r]!;
          a[i * n + p] = c * aip - sn * air;
          a[i * n + r] = sn * aip + c * air;
        }
        for (let i = 0; i < n; i++) {
          const api = a[p * n + i]!, ari = a[r * n + i]!;
          a[p * n + i] = c * api - sn * ari;
          a[r * n + i] = sn * api + c * ari;
        }
        for (let i = 0; i < n; i++) {
          const vip = v[i * n + p]!, vir = v[i * n + r]!;
          v[i * n + p] = c * vip - sn * vir;
          v[i * n + r] = sn * vip + c * vir;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}
