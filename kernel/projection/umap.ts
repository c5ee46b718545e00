/**
 * The inspector's UMAP over a table the kernel holds. umap-js is loaded when a UMAP is first asked for, not with the
 * table ops: a kernel installed without it (a package that does not ship it) still serves every other op, and this
 * one says what is missing.
 */
import type { SampledUmapOptions, SampledUmapResult } from "../../maths/umap-sampled.js";

async function loadSampledUmap(): Promise<typeof import("../../maths/umap-sampled.js").sampledUmap> {
  try {
    return (await import("../../maths/umap-sampled.js")).sampledUmap;
  } catch (e) {
    throw new Error(`UMAP needs the umap-js package next to the kernel (${e instanceof Error ? e.message : String(e)}); PCA works without it`);
  }
}

export async function umapProject(matrix: Float32Array, rows: number, dim: number, options: SampledUmapOptions = {}): Promise<SampledUmapResult> {
  const sampledUmap = await loadSampledUmap();
  return sampledUmap(matrix, rows, dim, options);
}
