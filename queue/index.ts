export { startQueue, CloseCode, type QueueOptions, type QueueServer } from "./queue-server.js";
export { startWorker, type Worker, type WorkerOptions } from "./worker.js";
export { defineFunction, type FunctionOptions, type FunctionDefinition } from "./define-function.js";
export type { BatchEvent } from "./backend.js";
export type { FunctionInfo, FunctionsResponse, WorkerSummary } from "../protocol/queue-api.js";
export type { Clock } from "./clock.js";
