/**
 * UMAP for any number of rows in bounded time: PCA first reduces the vectors (UMAP's usual preprocessing), UMAP
 * (umap-js) lays out a seeded random sample, and every other row is placed among its nearest sample rows. Seeded, so
 * the same table gives the same picture.
 */
import { UMAP } from "umap-js";
import { pca } from "./pca.js";
import { placeByNeighbours } from "./place-by-neighbours.js";
import { sampleRows, seededRandom } from "./random.js";

export interface SampledUmapOptions {
  /** Rows UMAP lays out itself. @default 3_000 */
  sampleSize?: number;
  /** PCA components the neighbours are found in. @default 16 */
  reducedDim?: number;
  nNeighbors?: number;
  nEpochs?: number;
  seed?: number;
  valid?: Uint8Array;
}

export interface SampledUmapResult {
  /** rows × 2, interleaved; NaN for invalid rows. */
  projection: Float32Array;
  sampleRows: number;
}

export function sampledUmap(matrix: Float32Array, rows: number, dim: number, options: SampledUmapOptions = {}): SampledUmapResult {
  const r = Math.max(2, Math.min(options.reducedDim ?? 16, dim));
  // The reduction only has to keep the neighbourhoods: a smaller fit sample and a few power steps do (converging
  // 16 components to 1e-6 took most of a 100k-row UMAP's time).
  const reduced = pca(matrix, rows, dim, { components: r, valid: options.valid, sampleSize: 3_000, maxIterations: 10 }).projection;
  const valid = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) valid[i] = Number.isNaN(reduced[i * r]!) ? 0 : 1;
  const seed = options.seed ?? 42;
  // The sample draws from its own stream (seed + 1), not the one UMAP itself is given.
  const anchors = sampleRows(rows, options.sampleSize ?? 3_000, seed + 1, valid);
  const sampled = anchors.length;
  const anchorXY = new Float32Array(sampled * 2);
  if (sampled >= 3) {
    const data = Array.from(anchors, (a) => Array.from(reduced.subarray(a * r, a * r + r)));
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: Math.max(2, Math.min(options.nNeighbors ?? 15, sampled - 1)),
      nEpochs: options.nEpochs ?? 150,
      minDist: 0.1,
      random: seededRandom(seed),
    });
    const emb = umap.fit(data);
    emb.forEach(([x, y], i) => {
      anchorXY[2 * i] = x!;
      anchorXY[2 * i + 1] = y!;
    });
  } else {
    for (let i = 0; i < sampled; i++) anchorXY[2 * i] = i;
  }
  return { projection: placeByNeighbours(reduced, rows, r, anchors, anchorXY), sampleRows: sampled };
}
