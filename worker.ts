// `chalknb/worker`: what a function file and a worker process need.
export { defineFunction, type FunctionOptions, type FunctionDefinition } from "./queue/define-function.js";
export { startWorker, type Worker, type WorkerOptions } from "./queue/worker.js";
