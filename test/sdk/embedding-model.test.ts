import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tableFromArrays, Field, Float32, List } from "apache-arrow";
import { startQueue, startWorker } from "../../queue/index.js";
import { Remote } from "../../sdk/index.js";
import { repoRoot } from "../helpers/paths.js";

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

describe("the sample embedding model (samples/functions/embed.ts)", () => {
  it("embeds through the queue: 512-d unit vectors, a paraphrase nearer than an unrelated sentence", async () => {
    const queue = await startQueue();
    const worker = await startWorker({ url: queue.url, functions: [join(repoRoot, "samples/functions/embed.ts")] });
    const remote = new Remote({ url: queue.url });
    try {
      await worker.ready;
      const embed = remote.function("embed", { outputType: new List(new Field("item", new Float32())) });
      const texts = ["The cat sat on the mat.", "A cat was sitting on the rug.", "Quarterly revenue rose by eight percent.", ""];
      const result = await embed.chunkedCall(tableFromArrays({ text: texts }), { chunkSize: 2, timeout: 120 });
      const vectors = [...result.getChild("result")!].map((v) => v!.toArray() as Float32Array);
      assert.deepEqual(vectors.map((v) => v.length), [512, 512, 512, 512]);
      for (const v of vectors.slice(0, 3)) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-3, "unit norm");
      const paraphrase = cosine(vectors[0], vectors[1]);
      const unrelated = cosine(vectors[0], vectors[2]);
      assert.ok(paraphrase > unrelated + 0.2, `paraphrase ${paraphrase.toFixed(3)} vs unrelated ${unrelated.toFixed(3)}`);
      // A batch of only empty strings must not crash the model.
      const empties = await embed.chunkedCall(tableFromArrays({ text: ["", ""] }), { chunkSize: 2, timeout: 60 });
      assert.equal(empties.getChild("result")!.get(0)!.length, 512);
    } finally {
      remote.close();
      await worker.close();
      await queue.close();
    }
  });
});
