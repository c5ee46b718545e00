export { Remote, queueUrlsInUse, queuesUsed, type QueueEndpoint, type RemoteOptions } from "./remote.js";
export { RemoteFunction, type ChunkedCallOptions, type RemoteFunctionOptions, type IntoParquet, type StreamOptions, type StreamedChunk } from "./remote-function.js";
export { DeferredCall, type DeferredCallStatus } from "./deferred-call.js";
export { writeParquet, readParquet, type WriteParquetOptions, type ParquetCompression } from "./parquet.js";
export { ParquetTable, openParquet } from "./parquet-table.js";
export { setCallObserver, cancelAllCalls, activeCallCount, type CallObserver } from "./call-registry.js";
export { shutdownEmbedded, defaultFunctionFiles } from "./embedded-default.js";
export type { ConnectionOptions } from "./connection-options.js";
