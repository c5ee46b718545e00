export { startQueue, CloseCode, type QueueOptions, type QueueServer } from "./queue-server.js";
export { startWorker, type Worker, type WorkerOptions } from "./worker.js";
export { defineFunction, type FunctionOptions, type FunctionDefinition } from "./define-function.js";
export type { FunctionInfo, BatchEvent } from "./queue-core.js";
export type { Clock } from "./clock.js";
