// `chalknb`: what scripts, cells and function files import. It loads the SDK, never the queue server or its Redis
// client (`chalknb/queue` for those); `chalknb/worker` is the worker's own entry.
export * from "./sdk/index.js";
export * from "./protocol/errors.js";
export type { CallProgress, ChunkProgress, ChunkState } from "./protocol/progress.js";
export { defineFunction, type FunctionOptions, type FunctionDefinition } from "./queue/define-function.js";
export { startWorker, type Worker, type WorkerOptions } from "./queue/worker.js";
export { startQueue } from "./queue/start-queue.js";
export type { QueueOptions, QueueServer } from "./queue/queue-server.js";
export type { BatchEvent } from "./queue/backend.js";
export type { FunctionInfo, FunctionsResponse, WorkerSummary } from "./protocol/queue-api.js";
export type { Clock } from "./queue/clock.js";
