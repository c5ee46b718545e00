import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onnxEmbedder } from "../../onnx.js";
import { importOnnxRuntime } from "../../onnx/runtime.js";
import { tinyModel, tinyTokenizer } from "./tiny-model.js";

// The whole path on a real ONNX Runtime session (CPU provider, which ships in the npm package): tokenize, run,
// mean-pool over the attention mask, normalize — checked against vectors computed here from the same matrices.

const VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "gpu", "queue", "##s", "fast"];
const DIM = 4;
// Distinct, non-symmetric rows so a wrong id, a wrong mask or a wrong pooling gives a different vector.
const E = VOCAB.map((_, i) => Array.from({ length: DIM }, (_, d) => ((i * 7 + d * 3) % 11) - 5 + 0.25 * d + 0.1 * i));
const T = [[0.5, -0.25, 0.125, 1], [2, 2, 2, 2]];

// Token ids written out by hand (BERT WordPiece: lowercase, [CLS] … [SEP], "are" is not in the vocabulary).
const CASES: [string, number[]][] = [
  ["Hello world", [2, 4, 5, 3]],
  ["GPU queues are fast", [2, 6, 7, 8, 1, 9, 3]],
  ["hello", [2, 4, 3]],
];

function expected(ids: number[], pooling: "mean" | "cls", normalize: boolean): number[] {
  const rows = (pooling === "cls" ? ids.slice(0, 1) : ids).map((id) => E[id].map((v, d) => v + T[0][d]));
  const mean = Array.from({ length: DIM }, (_, d) => rows.reduce((s, r) => s + r[d], 0) / rows.length);
  if (!normalize) return mean;
  const norm = Math.hypot(...mean);
  return mean.map((v) => v / norm);
}

function assertClose(actual: Float32Array, want: number[], label: string) {
  assert.equal(actual.length, want.length, label);
  for (let d = 0; d < want.length; d++) assert.ok(Math.abs(actual[d] - want[d]) < 1e-5, `${label}[${d}]: ${actual[d]} != ${want[d]}`);
}

const runtime = await importOnnxRuntime().then(() => undefined, (error: Error) => error.message);
const skip = runtime ? `onnxruntime-node cannot load on ${process.platform}/${process.arch}: ${runtime}` : false;

async function withModel(fn: (paths: { model: string; tokenizer: string; dir: string }) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "chalknb-onnx-"));
  try {
    const model = join(dir, "model.onnx");
    const tokenizer = join(dir, "tokenizer.json");
    await writeFile(model, tinyModel(E, T));
    await writeFile(tokenizer, JSON.stringify(tinyTokenizer(VOCAB)));
    await fn({ model, tokenizer, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("a batch of texts of different lengths: mean-pooled, unit-norm vectors equal to ones computed from the model's matrices", { skip }, async () => {
  await withModel(async ({ model, tokenizer }) => {
    const embedder = onnxEmbedder({ model, tokenizer, pooling: "mean", normalize: true, device: "auto" });
    assert.equal(embedder.provider, undefined, "nothing loads before the first batch");
    const vectors = await embedder.embed(CASES.map(([text]) => text));
    assert.equal(vectors.length, CASES.length);
    CASES.forEach(([text, ids], i) => assertClose(vectors[i], expected(ids, "mean", true), text));
    // This machine's npm install skips the CUDA download, so "auto" falls back to the CPU provider.
    assert.ok(embedder.provider === "cpu" || embedder.provider === "cuda");
    // Padding to the batch's longest row does not change a short text's vector.
    const [alone] = await embedder.embed(["hello"]);
    assertClose(alone, Array.from(vectors[2]), "hello alone");
    assert.deepEqual(await embedder.embed([]), []);
  });
});

test("cls pooling without normalization, and maxLength truncation", { skip }, async () => {
  await withModel(async ({ model, tokenizer }) => {
    const cls = onnxEmbedder({ model, tokenizer, pooling: "cls", normalize: false, device: "cpu" });
    const vectors = await cls.embed(CASES.map(([text]) => text));
    CASES.forEach(([text, ids], i) => assertClose(vectors[i], expected(ids, "cls", false), text));
    assert.equal(await cls.load(), "cpu");
    const short = onnxEmbedder({ model, tokenizer, pooling: "mean", normalize: true, device: "cpu", maxLength: 3 });
    const [truncated] = await short.embed(["GPU queues are fast"]);
    assertClose(truncated, expected([2, 6, 7], "mean", true), "first 3 tokens");
  });
});

test("clear errors: missing model or tokenizer file, a bad option, onnxruntime-node not installed", { skip }, async () => {
  await withModel(async ({ model, tokenizer, dir }) => {
    const missing = join(dir, "nope", "model.onnx");
    await assert.rejects(onnxEmbedder({ model: missing, tokenizer }).embed(["x"]), (e: Error) => e.message.includes(`model file not found: ${missing}`) && e.message.includes("optimum-cli export onnx"));
    await assert.rejects(onnxEmbedder({ model, tokenizer: join(dir, "tok.json") }).embed(["x"]), /tokenizer file not found: .*tok\.json/);
    const notOnnx = join(dir, "notes.onnx");
    await writeFile(notOnnx, "not a model");
    await assert.rejects(onnxEmbedder({ model: notOnnx, tokenizer, device: "cpu" }).load(), /ONNX Runtime could not load .*notes\.onnx/);
    assert.throws(() => onnxEmbedder({ model, tokenizer, pooling: "max" as "mean" }), /pooling must be "mean" or "cls", got "max"/);
    assert.throws(() => onnxEmbedder({ model, tokenizer, device: "gpu" as "cuda" }), /device must be "cuda", "cpu" or "auto"/);
  });
  await assert.rejects(importOnnxRuntime("onnxruntime-node-not-installed"), (e: Error) =>
    e.message.includes("npm install onnxruntime-node") && e.message.includes("--onnxruntime-node-install=cuda12"));
});

test('device "cuda" either runs on CUDA or says how to install the CUDA binaries', { skip }, async () => {
  await withModel(async ({ model, tokenizer }) => {
    const embedder = onnxEmbedder({ model, tokenizer, device: "cuda" });
    try {
      await embedder.load();
      assert.equal(embedder.provider, "cuda");
    } catch (error) {
      assert.match((error as Error).message, /CUDA execution provider did not start .*--onnxruntime-node-install=cuda12.*device: "auto"/s);
    }
  });
});
