// onnxEmbedder: a user's own sentence-embedding model (an ONNX export, e.g. from optimum-cli) behind one call,
// embed(texts) → vectors, for use inside a defineFunction handler. The model loads once, on the first batch.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { l2normalize, pool, type Pooling } from "./pooling.js";
import { CUDA_INSTALL, importOnnxRuntime, type OrtModule } from "./runtime.js";
import { loadTokenizer, type TextTokenizer } from "./tokenize.js";

export type OnnxDevice = "cuda" | "cpu" | "auto";

export interface OnnxEmbedderOptions {
  /** Path to model.onnx. */
  model: string;
  /** Path to tokenizer.json (tokenizer_config.json beside it is read too, when present). */
  tokenizer: string;
  /** "mean" (sentence-transformers models) or "cls". Default "mean". */
  pooling?: Pooling;
  /** Scale each vector to unit length. Default true. */
  normalize?: boolean;
  /** "cuda" fails without the CUDA execution provider; "auto" tries CUDA and falls back to CPU. Default "auto". */
  device?: OnnxDevice;
  /** Tokens kept per text (longer texts are truncated). Default 512. */
  maxLength?: number;
}

export interface OnnxEmbedder {
  /** Embeds a batch: one vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Loads the tokenizer and the session now (embed does it on first use) and resolves with the provider that runs. */
  load(): Promise<"cuda" | "cpu">;
  /** The execution provider that runs the model ("cuda" or "cpu"); undefined until loaded. */
  readonly provider: "cuda" | "cpu" | undefined;
}

type Session = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;

interface Loaded {
  ort: OrtModule;
  session: Session;
  tokenizer: TextTokenizer;
  provider: "cuda" | "cpu";
}

export function onnxEmbedder(options: OnnxEmbedderOptions): OnnxEmbedder {
  const pooling = options.pooling ?? "mean";
  if (pooling !== "mean" && pooling !== "cls") throw new Error(`onnxEmbedder: pooling must be "mean" or "cls", got ${JSON.stringify(pooling)}`);
  const device = options.device ?? "auto";
  if (!["cuda", "cpu", "auto"].includes(device)) throw new Error(`onnxEmbedder: device must be "cuda", "cpu" or "auto", got ${JSON.stringify(device)}`);
  const maxLength = options.maxLength ?? 512;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`onnxEmbedder: maxLength must be a positive integer, got ${maxLength}`);
  const normalize = options.normalize ?? true;
  const modelPath = resolve(options.model);
  const tokenizerPath = resolve(options.tokenizer);

  let loading: Promise<Loaded> | undefined;
  let provider: "cuda" | "cpu" | undefined;

  const load = (): Promise<Loaded> => {
    loading ??= (async () => {
      // Paths are checked before the runtime loads, so a typo says which file, not a protobuf parse error.
      if (!existsSync(modelPath)) {
        throw new Error(`onnxEmbedder: model file not found: ${modelPath} (export a model with \`optimum-cli export onnx --model <hub id> <folder>\` and point model at <folder>/model.onnx)`);
      }
      if (!existsSync(tokenizerPath)) throw new Error(`onnxEmbedder: tokenizer file not found: ${tokenizerPath} (optimum-cli writes tokenizer.json beside model.onnx)`);
      const ort = await importOnnxRuntime();
      const tokenizer = await loadTokenizer(tokenizerPath, join(dirname(tokenizerPath), "tokenizer_config.json"), maxLength);
      const { session, provider: ran } = await createSession(ort, modelPath, device);
      provider = ran;
      return { ort, session, tokenizer, provider: ran };
    })();
    // A failed load is not cached: fixing the path (or installing the runtime) and calling again works.
    loading.catch(() => { loading = undefined; });
    return loading;
  };

  return {
    get provider() { return provider; },
    load: async () => (await load()).provider,
    async embed(texts) {
      if (texts.length === 0) return [];
      const { ort, session, tokenizer } = await load();
      const tokens = tokenizer.encode(texts);
      const dims = [tokens.batch, tokens.seq];
      const feeds: Record<string, InstanceType<OrtModule["Tensor"]>> = {};
      for (const name of session.inputNames) {
        if (name === "input_ids") feeds[name] = new ort.Tensor("int64", tokens.inputIds, dims);
        else if (name === "attention_mask") feeds[name] = new ort.Tensor("int64", tokens.attentionMask, dims);
        else if (name === "token_type_ids") feeds[name] = new ort.Tensor("int64", tokens.tokenTypeIds, dims);
        else throw new Error(`onnxEmbedder: ${modelPath} has an input ${name}; only input_ids, attention_mask and token_type_ids are fed`);
      }
      const outputName = session.outputNames.includes("last_hidden_state") ? "last_hidden_state" : session.outputNames[0];
      const output = (await session.run(feeds, [outputName]))[outputName];
      const data = output.data as Float32Array;
      let vectors: Float32Array[];
      if (output.dims.length === 3) {
        vectors = pool(data, tokens.attentionMask, tokens.batch, tokens.seq, Number(output.dims[2]), pooling);
      } else if (output.dims.length === 2) {
        // Some exports (sentence_embedding) are pooled already.
        const dim = Number(output.dims[1]);
        vectors = Array.from({ length: tokens.batch }, (_, b) => data.slice(b * dim, (b + 1) * dim));
      } else {
        throw new Error(`onnxEmbedder: output ${outputName} has shape [${output.dims.join(", ")}]; expected [batch, seq, dim] or [batch, dim]`);
      }
      return normalize ? vectors.map(l2normalize) : vectors;
    },
  };
}

/** Creates the session on the asked device; "auto" tries CUDA first and falls back to the CPU provider that ships in the npm package. */
async function createSession(ort: OrtModule, modelPath: string, device: OnnxDevice): Promise<{ session: Session; provider: "cuda" | "cpu" }> {
  if (device !== "cpu") {
    try {
      return { session: await ort.InferenceSession.create(modelPath, { executionProviders: ["cuda"] }), provider: "cuda" };
    } catch (error) {
      if (device === "cuda") {
        throw new Error(
          `onnxEmbedder: the CUDA execution provider did not start (${(error as Error).message}). It needs a Linux x64 machine with CUDA 12 ` +
            `and onnxruntime-node installed with its CUDA binaries: \`${CUDA_INSTALL}\`; or use device: "auto" to fall back to the CPU`,
          { cause: error },
        );
      }
    }
  }
  try {
    return { session: await ort.InferenceSession.create(modelPath, { executionProviders: ["cpu"] }), provider: "cpu" };
  } catch (error) {
    throw new Error(`onnxEmbedder: ONNX Runtime could not load ${modelPath}: ${(error as Error).message}`, { cause: error });
  }
}
