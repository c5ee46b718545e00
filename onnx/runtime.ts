// Lazy loading of the two libraries the embedder needs. onnxruntime-node is an optional peer dependency (native
// binaries, ~70 MB): importing chalknb never loads it, and a user who calls onnxEmbedder without it gets told how to
// install it instead of a bare "Cannot find package".

/** The install line for GPU users: onnxruntime-node downloads its CUDA 12 binaries only when asked. */
export const CUDA_INSTALL = "npm install onnxruntime-node --onnxruntime-node-install=cuda12";

export type OrtModule = typeof import("onnxruntime-node");

/** Imports onnxruntime-node (or `name`, for tests), turning "not installed" into an error that says what to run. */
export async function importOnnxRuntime(name = "onnxruntime-node"): Promise<OrtModule> {
  try {
    const mod = (await import(name)) as OrtModule & { default?: OrtModule };
    // CommonJS under ESM import: the API may sit on .default.
    return mod.InferenceSession ? mod : (mod.default as OrtModule);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new Error(
        `onnxEmbedder needs onnxruntime-node, which is not installed: run \`npm install onnxruntime-node\` (CPU), ` +
          `or \`${CUDA_INSTALL}\` on a Linux x64 machine with CUDA 12 for the GPU`,
        { cause: error },
      );
    }
    throw new Error(`onnxEmbedder could not load ${name}: ${(error as Error).message}`, { cause: error });
  }
}
