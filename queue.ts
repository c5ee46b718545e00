// `chalknb/queue`: the function queue server (memory or Redis backend).
export { startQueue, CloseCode, type QueueOptions, type QueueServer } from "./queue/queue-server.js";
export type { BatchEvent } from "./queue/backend.js";
export type { FunctionInfo, FunctionsResponse, WorkerSummary } from "./protocol/queue-api.js";
export type { Clock } from "./queue/clock.js";
export * from "./protocol/errors.js";
