export * from "./kernel/sdk/index.js";
export * from "./queue/index.js";
export * from "./protocol/errors.js";
export type { CallProgress, ChunkProgress, ChunkState } from "./protocol/progress.js";
