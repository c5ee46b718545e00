/** Worker entry: bundled on its own and embedded in the renderer as source text (see scripts/build-bundles.mjs). */
import { createComputeHandler, type ComputeRequest } from "./embedding-compute.js";
import { sampledUmap } from "../maths/umap-sampled.js";

const handle = createComputeHandler(sampledUmap);
const scope = self as unknown as { onmessage: ((e: MessageEvent<ComputeRequest>) => void) | null; postMessage(m: unknown, t: Transferable[]): void };
scope.onmessage = (e) => {
  const [response, transfer] = handle(e.data);
  scope.postMessage(response, transfer);
};
