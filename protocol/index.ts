export * from "./errors.js";
export * from "./messages.js";
export * from "./frame-codec.js";
export * from "./progress.js";
export * from "./arrow-ipc.js";
