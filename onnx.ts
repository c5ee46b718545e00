// chalknb/onnx: your own embedding model through ONNX Runtime. A separate entry so that "chalknb" and
// "chalknb/worker" never load onnxruntime-node (an optional peer dependency) or the tokenizer.
export { onnxEmbedder, type OnnxDevice, type OnnxEmbedder, type OnnxEmbedderOptions } from "./onnx/embedder.js";
export { l2normalize, pool, type Pooling } from "./onnx/pooling.js";
