/**
 * UMAP of any number of rows in bounded time, in the kernel: PCA reduces the vectors (UMAP's usual preprocessing),
 * umap-js lays out a seeded random sample, and every other row is placed among its nearest sample rows. Seeded:
 * the same table gives the same picture.
 */
import { pcaProject, sampleRows, seededRandom } from "./pca.js";
import { placeByNeighbours } from "./place-by-neighbours.js";

export interface UmapOptions {
  /** Rows UMAP lays out itself. @default 3_000 */
  sampleSize?: number;
  /** PCA components neighbours are found in. @default 16 */
  reducedDim?: number;
  nNeighbors?: number;
  nEpochs?: number;
  seed?: number;
  valid?: Uint8Array;
}

/**
 * umap-js is loaded when a UMAP is first asked for, not with the table ops: a kernel installed without it (a package
 * that does not ship it) still serves every other op, and this one says what is missing.
 */
async function loadUmap(): Promise<typeof import("umap-js").UMAP> {
  try {
    return (await import("umap-js")).UMAP;
  } catch (e) {
    throw new Error(`UMAP needs the umap-js package next to the kernel (${e instanceof Error ? e.message : String(e)}); PCA works without it`);
  }
}

export async function umapProject(matrix: Float32Array, rows: number, dim: number, options: UmapOptions = {}): Promise<{ projection: Float32Array; sampleRows: number }> {
  const UMAP = await loadUmap();
  const r = Math.max(2, Math.min(options.reducedDim ?? 16, dim));
  // The reduction only has to keep the neighbourhoods: a smaller fit sample and a few power steps do.
  const reduced = pcaProject(matrix, rows, dim, { components: r, valid: options.valid, sampleSize: 3_000, iterations: 10 }).projection;
  const valid = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) valid[i] = Number.isNaN(reduced[i * r]!) ? 0 : 1;
  const anchors = sampleRows(rows, options.sampleSize ?? 3_000, valid, options.seed ?? 42);
  const s = anchors.length;
  const anchorXY = new Float32Array(s * 2);
  if (s >= 3) {
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: Math.max(2, Math.min(options.nNeighbors ?? 15, s - 1)),
      nEpochs: options.nEpochs ?? 150,
      minDist: 0.1,
      random: seededRandom(options.seed ?? 42),
    });
    const emb = umap.fit(Array.from(anchors, (a) => Array.from(reduced.subarray(a * r, a * r + r))));
    emb.forEach(([x, y], i) => {
      anchorXY[2 * i] = x!;
      anchorXY[2 * i + 1] = y!;
    });
  } else {
    for (let i = 0; i < s; i++) anchorXY[2 * i] = i;
  }
  return { projection: placeByNeighbours(reduced, rows, r, anchors, anchorXY), sampleRows: s };
}
