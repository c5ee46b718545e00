/**
 * The inspector's heavy maths (norms, PCA, UMAP, cosine neighbours) behind one message protocol, so it runs the same in a
 * Worker and, where the webview refuses workers, on the main thread.
 */
import { nearestByCosine, type Neighbor } from "../maths/nearest-by-cosine.js";
import { pca } from "../maths/pca.js";
import type { SampledUmapOptions, SampledUmapResult } from "../maths/umap-sampled.js";
import { rowNorms } from "../maths/vector-stats.js";

export type ComputeRequest =
  | { id: number; type: "load"; matrix: Float32Array; rows: number; dim: number; valid: Uint8Array }
  | { id: number; type: "pca"; sampleSize?: number }
  | { id: number; type: "umap"; sampleSize?: number }
  | { id: number; type: "neighbors"; query: number; k: number };

export interface PcaSummary {
  projection: Float32Array;
  explainedRatio: number[];
  fittedRows: number;
  iterations: number;
  ms: number;
}

export interface UmapSummary {
  projection: Float32Array;
  /** Rows UMAP laid out itself; the others were placed among their nearest of them. */
  sampleRows: number;
  ms: number;
}

export type ComputeResponse =
  | { id: number; type: "load"; norms: Float32Array }
  | { id: number; type: "pca"; result: PcaSummary }
  | { id: number; type: "umap"; result: UmapSummary }
  | { id: number; type: "neighbors"; neighbors: Neighbor[] }
  | { id: number; type: "error"; message: string };

interface Loaded {
  matrix: Float32Array;
  rows: number;
  dim: number;
  valid: Uint8Array;
  norms: Float32Array;
}

/** UMAP is passed in by the worker entry only: umap-js and its matrix library stay out of the renderer bundle. */
export type UmapFn = (matrix: Float32Array, rows: number, dim: number, options: SampledUmapOptions) => SampledUmapResult;

/** Handles requests in order; returns the response and the buffers to transfer. */
export function createComputeHandler(umap?: UmapFn): (req: ComputeRequest) => [ComputeResponse, Transferable[]] {
  let data: Loaded | null = null;
  return (req) => {
    try {
      if (req.type === "load") {
        const norms = rowNorms(req.matrix, req.rows, req.dim, req.valid);
        data = { matrix: req.matrix, rows: req.rows, dim: req.dim, valid: req.valid, norms };
        const copy = norms.slice();
        return [{ id: req.id, type: "load", norms: copy }, [copy.buffer]];
      }
      if (!data) throw new Error("No vectors loaded: send a load request first");
      if (req.type === "pca") {
        const t0 = performance.now();
        const r = pca(data.matrix, data.rows, data.dim, { valid: data.valid, sampleSize: req.sampleSize });
        const result: PcaSummary = {
          projection: r.projection, explainedRatio: r.explainedRatio, fittedRows: r.fittedRows, iterations: r.iterations,
          ms: performance.now() - t0,
        };
        return [{ id: req.id, type: "pca", result }, [r.projection.buffer]];
      }
      if (req.type === "umap") {
        const t0 = performance.now();
        if (!umap) throw new Error("UMAP runs in a Worker, and this webview refused one: use PCA");
        const r = umap(data.matrix, data.rows, data.dim, { valid: data.valid, sampleSize: req.sampleSize });
        const result: UmapSummary = { projection: r.projection, sampleRows: r.sampleRows, ms: performance.now() - t0 };
        return [{ id: req.id, type: "umap", result }, [r.projection.buffer]];
      }
      const neighbors = nearestByCosine(data.matrix, data.rows, data.dim, req.query, req.k, { norms: data.norms, valid: data.valid });
      return [{ id: req.id, type: "neighbors", neighbors }, []];
    } catch (e) {
      return [{ id: req.id, type: "error", message: e instanceof Error ? e.message : String(e) }, []];
    }
  };
}
