/** The renderer → extension message contract (DOM-free: the extension imports it too). */
/** Posted to the extension (renderer messaging) once a view has drawn; the e2e tests wait for these. */
export interface RenderedMessage {
  type: "chalknb.rendered";
  view: "table" | "progress" | "inspector" | "error";
  outputId: string;
  rows?: number;
  columns?: string[];
  vectorDim?: number;
  chunks?: number;
  state?: string;
  /** ms from renderOutputItem to the first painted frame (table), or to the finished projection (inspector). */
  ms?: number;
  worker?: boolean;
  /** Time PCA itself took (inspector). */
  pcaMs?: number;
  message?: string;
}
