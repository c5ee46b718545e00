// A tiny ONNX model and WordPiece tokenizer written by the test itself (no download, no checked-in binary).
// The ModelProto is encoded by hand: ONNX files are plain protobuf, and the few fields below are all a Gather needs.

/** Protobuf wire format: varints and length-delimited fields, enough for ModelProto. */
function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, value: number) => [...tag(field, 0), ...varint(value)];
const bytes = (field: number, data: Uint8Array | number[]) => [...tag(field, 2), ...varint(data.length), ...data];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, "utf8")]);
const msg = (field: number, parts: number[][]) => bytes(field, parts.flat());

const FLOAT = 1;
const INT64 = 7;

/** ValueInfoProto with a tensor type; dims are numbers (fixed) or strings (symbolic, e.g. "batch"). */
function valueInfo(field: number, name: string, elemType: number, dims: (number | string)[]): number[] {
  const dimensions = dims.map((d) => msg(1, [typeof d === "number" ? int(1, d) : str(2, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, elemType), msg(2, dimensions)])])]);
}

/** TensorProto initializer holding float32 values as raw little-endian bytes. */
function floatInitializer(name: string, dims: number[], values: number[]): number[] {
  const raw = new Uint8Array(Float32Array.from(values).buffer);
  return msg(5, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)]);
}

const node = (op: string, inputs: string[], outputs: string[], name: string) =>
  msg(1, [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op)]);

/**
 * last_hidden_state = Gather(embeddings, input_ids) + Gather(typeEmbeddings, token_type_ids): a BERT-shaped graph
 * (three int64 inputs, [batch, seq, dim] float output) whose output the test can compute from the same matrices.
 * attention_mask is declared and unused, as the embedder must feed it anyway.
 */
export function tinyModel(embeddings: number[][], typeEmbeddings: number[][]): Uint8Array {
  const dim = embeddings[0].length;
  const graph = [
    node("Gather", ["embeddings", "input_ids"], ["word"], "gather_word"),
    node("Gather", ["type_embeddings", "token_type_ids"], ["type"], "gather_type"),
    node("Add", ["word", "type"], ["last_hidden_state"], "add"),
    str(2, "tiny"),
    floatInitializer("embeddings", [embeddings.length, dim], embeddings.flat()),
    floatInitializer("type_embeddings", [typeEmbeddings.length, dim], typeEmbeddings.flat()),
    valueInfo(11, "input_ids", INT64, ["batch", "seq"]),
    valueInfo(11, "attention_mask", INT64, ["batch", "seq"]),
    valueInfo(11, "token_type_ids", INT64, ["batch", "seq"]),
    valueInfo(12, "last_hidden_state", FLOAT, ["batch", "seq", dim]),
  ];
  // ir_version 8, producer "chalknb-test", graph, opset 13 of the default domain.
  return Uint8Array.from([...int(1, 8), ...str(2, "chalknb-test"), ...msg(7, graph), ...msg(8, [str(1, ""), int(2, 13)])]);
}

/** A BERT-style WordPiece tokenizer.json: lowercasing, [CLS] … [SEP] around each text. */
export function tinyTokenizer(vocab: string[]): object {
  const special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"];
  const id = (t: string) => vocab.indexOf(t);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } }, { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [id("[CLS]")], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [id("[SEP]")], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}
