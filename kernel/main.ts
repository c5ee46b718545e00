import process from "node:process";
import { installCellRuntime } from "./cell-runtime.js";
import { warmUpCompiler } from "./cell-compiler.js";
import { complete, inspectAt } from "./completer.js";
import { createExecutor } from "./executor.js";
import { listVariables } from "./variables.js";
import { setDisplayOptions } from "./display.js";
import { KERNEL_PROTOCOL_VERSION, type KernelMessage, type KernelRequest } from "./messages.js";

/**
 * The kernel process. Started by {@link KernelClient} with an IPC channel, in the notebook's folder; it runs cells in
 * its own global scope and answers over IPC. Nothing here is API: talk to it through `kernel/client.ts`.
 * @internal
 */

if (!process.send) {
  process.stderr.write("kernel/main.js is the chalknb kernel process: start it with KernelClient (it needs an IPC channel)\n");
  process.exit(2);
}

const ipcSend = process.send.bind(process);
function send(message: KernelMessage): void {
  if (process.connected) ipcSend(message);
}

const runtime = installCellRuntime({ cwd: process.cwd() });
// Type checking (when the client asked for it) starts with the first executed cell, in a worker thread.
const typeCheck = process.env.CHALKNB_TYPECHECK === "1";
let checker: Promise<import("./type-check-client.js").TypeCheckClient> | undefined;
const executor = createExecutor({
  send,
  runtime,
  afterExecute(cell, parentId, executionCount, cellId) {
    if (!typeCheck) return;
    checker ??= import("./type-check-client.js").then(({ createTypeCheckClient }) => createTypeCheckClient({ cwd: process.cwd(), send }));
    void checker.then((c) => c.check(cell, parentId, executionCount, cellId));
  },
});
(globalThis as Record<string, unknown>).display = (value: unknown, options?: { displayId?: string }) =>
  executor.display(value, options);

// Cell output (console.log, process.stdout.write) becomes `stream` messages of the running cell, sent as it is written.
function captureStream(name: "stdout" | "stderr"): void {
  const stream = process[name];
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
    const parent = executor.runningParent();
    if (parent) send({ msg_type: "stream", parent_id: parent, content: { name, text } });
    else send({ msg_type: "idle_stream", content: { name, text } });
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
}
captureStream("stdout");
captureStream("stderr");

// A busy synchronous cell is stopped by vm's breakOnSigint; at any other time SIGINT must not kill the kernel
// (a Ctrl+C in the terminal of `chalknb run` reaches the whole process group). interrupt_request does the rest.
process.on("SIGINT", () => undefined);
process.on("uncaughtException", (error) => {
  process.stderr.write(`Uncaught exception (outside the running cell): ${error?.stack ?? String(error)}\n`);
});
process.on("unhandledRejection", (reason) => {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  process.stderr.write(`Unhandled promise rejection: ${text}\n`);
});

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  executor.interrupt();
  await Promise.race([runtime.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 3000).unref())]);
  void checker?.then((c) => c.close());
  process.exit(code);
}
process.on("disconnect", () => void shutdown(0));

process.on("message", (message: KernelRequest) => {
  switch (message.msg_type) {
    case "execute_request":
      executor.enqueue(message);
      break;
    case "interrupt_request":
      executor.interrupt(message.content?.msg_ids);
      send({ msg_type: "interrupt_reply", parent_id: message.msg_id, content: { status: "ok" } });
      break;
    case "complete_request": {
      const { code, cursor_pos } = message.content;
      const { items, ...result } = complete(code, cursor_pos);
      send({ msg_type: "complete_reply", parent_id: message.msg_id, content: { ...result, status: "ok", metadata: { _jupyter_types_experimental: items } } });
      break;
    }
    case "inspect_request": {
      const found = inspectAt(message.content.code, message.content.cursor_pos);
      const data = found ? { "text/plain": `${found.name}: ${found.type}\n${found.value}` } : {};
      send({ msg_type: "inspect_reply", parent_id: message.msg_id, content: { status: "ok", found: !!found, data, metadata: {} } });
      break;
    }
    case "variables_request":
      send({ msg_type: "variables_reply", parent_id: message.msg_id, content: { variables: listVariables(executor.declaredNames()) } });
      break;
    case "queue_info_request":
      // The SDK is already loaded if any cell used a Remote; otherwise there is nothing to report.
      void import("../sdk/remote.js").then(
        (sdk) => send({ msg_type: "queue_info_reply", parent_id: message.msg_id, content: { urls: sdk.queueUrlsInUse(), queues: sdk.queuesUsed() } }),
        () => send({ msg_type: "queue_info_reply", parent_id: message.msg_id, content: { urls: [], queues: [] } }),
      );
      break;
    case "table_request": {
      // The table ops load apache-arrow: only once a renderer asks.
      const { handle, op, args } = message.content;
      void import("./table-ops/serve.js")
        .then((m) => m.serveTableRequest(handle, op, args))
        .catch((error: unknown) => ({ ok: false as const, code: "CHALKNB_TABLE_OP_FAILED", message: error instanceof Error ? error.message : String(error) }))
        .then((content) => send({ msg_type: "table_reply", parent_id: message.msg_id, content }));
      break;
    }
    case "configure_request":
      setDisplayOptions({ fullTables: message.content?.full_tables === true });
      send({ msg_type: "configure_reply", parent_id: message.msg_id, content: { status: "ok" } });
      break;
    case "shutdown_request":
      void shutdown(0);
      break;
    default:
      break;
  }
});

send({ msg_type: "kernel_ready", content: { protocol_version: KERNEL_PROTOCOL_VERSION, pid: process.pid, cwd: process.cwd() } });

// Off the start path: warm the TypeScript transform once the globals are loaded.
void runtime.ready.then(() => warmUpCompiler(), () => undefined);
