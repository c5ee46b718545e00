/**
 * Runs the embedding maths off the main thread: a Worker made from the worker bundle's source text (a blob: URL,
 * since the renderer's own script URL is cross-origin to the notebook webview). If the webview's CSP or the browser
 * refuses the worker, the same handler runs on the main thread, after yielding so the UI paints first.
 */
import { createComputeHandler, type ComputeRequest, type ComputeResponse } from "./embedding-compute.js";

declare const __CHALKNB_PCA_WORKER__: string;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class EmbeddingClient {
  #worker: Worker | null = null;
  #url = "";
  #next = 1;
  #pending = new Map<number, { req: ComputeRequest; resolve: (r: ComputeResponse) => void }>();
  #lastLoad: ComputeRequest | null = null;
  #local: ReturnType<typeof createComputeHandler> | null = null;

  constructor(options: { allowWorker?: boolean } = {}) {
    if (options.allowWorker !== false && typeof Worker !== "undefined" && typeof __CHALKNB_PCA_WORKER__ === "string") {
      try {
        this.#url = URL.createObjectURL(new Blob([__CHALKNB_PCA_WORKER__], { type: "text/javascript" }));
        this.#worker = new Worker(this.#url);
        this.#worker.onmessage = (e: MessageEvent<ComputeResponse>) => {
          const pending = this.#pending.get(e.data.id);
          this.#pending.delete(e.data.id);
          pending?.resolve(e.data);
        };
        this.#worker.onerror = () => this.#fallBack();
      } catch {
        this.#worker = null;
      }
    }
  }

  /** False once the work runs on the main thread. */
  get usesWorker(): boolean {
    return this.#worker !== null;
  }

  /**
   * Sends a request. A `load` matrix is copied into a fresh buffer that is transferred (a memcpy, cheaper than a
   * structured clone of a view, which would clone the whole Arrow file buffer); the original is kept, so a worker that
   * dies can be replaced by a local run.
   */
  async request(req: DistributiveOmit<ComputeRequest, "id">): Promise<ComputeResponse> {
    const full = { ...req, id: this.#next++ } as ComputeRequest;
    if (full.type === "load") this.#lastLoad = full;
    if (this.#worker) {
      return new Promise((resolve) => {
        this.#pending.set(full.id, { req: full, resolve });
        if (full.type === "load") {
          const matrix = full.matrix.slice();
          const valid = full.valid.slice();
          this.#worker!.postMessage({ ...full, matrix, valid }, [matrix.buffer, valid.buffer]);
        } else {
          this.#worker!.postMessage(full);
        }
      });
    }
    await new Promise((r) => setTimeout(r, 0));
    this.#local ??= createComputeHandler();
    return this.#local(full)[0];
  }

  dispose(): void {
    this.#worker?.terminate();
    this.#worker = null;
    if (this.#url) URL.revokeObjectURL(this.#url);
    for (const p of this.#pending.values()) p.resolve({ id: p.req.id, type: "error", message: "disposed" });
    this.#pending.clear();
  }

  #fallBack(): void {
    // A worker refused by the page (CSP worker-src) fails asynchronously: rerun what it held on the main thread.
    this.#worker?.terminate();
    this.#worker = null;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#local = createComputeHandler();
    if (this.#lastLoad && !pending.some((p) => p.req === this.#lastLoad)) this.#local(this.#lastLoad);
    setTimeout(() => {
      for (const p of pending) p.resolve(this.#local!(p.req)[0]);
    }, 0);
  }
}
