// Tokenizing a batch into the int64 tensors a transformer's ONNX export takes. @huggingface/tokenizers reads a local
// tokenizer.json (the file optimum-cli writes beside model.onnx): nothing is fetched from the hub.
import { readFile } from "node:fs/promises";

export interface TokenBatch {
  batch: number;
  seq: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

export interface TextTokenizer {
  encode(texts: readonly string[]): TokenBatch;
}

/** Loads tokenizer.json (and tokenizer_config.json from the same folder when present, for its special tokens). */
export async function loadTokenizer(path: string, configPath: string | undefined, maxLength: number): Promise<TextTokenizer> {
  const { Tokenizer } = await import("@huggingface/tokenizers");
  let json: object;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`onnxEmbedder: cannot read tokenizer ${path}: ${(error as Error).message}`, { cause: error });
  }
  let config: object = {};
  if (configPath) config = JSON.parse(await readFile(configPath, "utf8").catch(() => "{}"));
  const tokenizer = new Tokenizer(json, config);
  const padId = BigInt(tokenizer.token_to_id("[PAD]") ?? tokenizer.token_to_id("<pad>") ?? 0);

  return {
    encode(texts) {
      const rows = texts.map((text) => {
        const encoding: { ids: number[]; token_type_ids?: number[] } = tokenizer.encode(text, { return_token_type_ids: true });
        // Truncation keeps the first tokens; models exported for 512 positions fail on longer rows otherwise.
        const n = Math.min(encoding.ids.length, maxLength);
        return { ids: encoding.ids.slice(0, n), types: (encoding.token_type_ids ?? []).slice(0, n) };
      });
      // Padded to the batch's longest row, not to maxLength: short batches stay cheap.
      const seq = Math.max(1, ...rows.map((r) => r.ids.length));
      const batch = texts.length;
      const inputIds = new BigInt64Array(batch * seq).fill(padId);
      const attentionMask = new BigInt64Array(batch * seq);
      const tokenTypeIds = new BigInt64Array(batch * seq);
      rows.forEach((row, b) => {
        row.ids.forEach((id, s) => {
          inputIds[b * seq + s] = BigInt(id);
          attentionMask[b * seq + s] = 1n;
          tokenTypeIds[b * seq + s] = BigInt(row.types[s] ?? 0);
        });
      });
      return { batch, seq, inputIds, attentionMask, tokenTypeIds };
    },
  };
}
