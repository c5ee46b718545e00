/**
 * UMAP for any number of rows in bounded time: PCA first reduces the vectors (UMAP's usual preprocessing), UMAP
 * (umap-js) lays out a seeded random sample, and every other row is placed among its nearest sample rows. Seeded, so
 * the same table gives the same picture.
 */
import { UMAP } from "umap-js";
import { pca } from "./pca.js";
import { placeByNeighbours } from "./place-by-neighbours.js";

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

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
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

export function sampledUmap(matrix: Float32Array, rows: number, dim: number, options: SampledUmapOptions = {}): SampledUmapResult {
  const r = Math.max(2, Math.min(options.reducedDim ?? 16, dim));
  // The reduction only has to keep the neighbourhoods: a smaller fit sample and a few power steps do (converging
  // 16 components to 1e-6 took most of a 100k-row UMAP's time).
  const reduced = pca(matrix, rows, dim, { components: r, valid: options.valid, sampleSize: 3_000, maxIterations: 10 }).projection;
  const validRows: number[] = [];
  for (let i = 0; i < rows; i++) if (!Number.isNaN(reduced[i * r]!)) validRows.push(i);
  const want = Math.min(validRows.length, options.sampleSize ?? 3_000);
  // A random sample, not every k-th row: rows often come in a period (one topic per n rows), and every k-th row
  // would see only some of the groups.
  const random = seededRandom((options.seed ?? 42) + 1);
  for (let i = 0; i < want && want < validRows.length; i++) {
    const j = i + Math.floor(random() * (validRows.length - i));
    const t = validRows[i]!;
    validRows[i] = validRows[j]!;
    validRows[j] = t;
  }
  const anchors = Uint32Array.from(validRows.slice(0, want)).sort();
  const anchorXY = new Float32Array(want * 2);
  if (want >= 3) {
    const data = Array.from(anchors, (a) => Array.from(reduced.subarray(a * r, a * r + r)));
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: Math.max(2, Math.min(options.nNeighbors ?? 15, want - 1)),
      nEpochs: options.nEpochs ?? 150,
      minDist: 0.1,
      random: seededRandom(options.seed ?? 42),
    });
    const emb = umap.fit(data);
    emb.forEach(([x, y], i) => {
      anchorXY[2 * i] = x!;
      anchorXY[2 * i + 1] = y!;
    });
  } else {
    for (let i = 0; i < want; i++) anchorXY[2 * i] = i;
  }
  return { projection: placeByNeighbours(reduced, rows, r, anchors, anchorXY), sampleRows: want };
}
