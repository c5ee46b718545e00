import { writeSync } from "node:fs";
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { Channel } from "./channel.js";
import { endpoint, type ConnectionInfo } from "./connection.js";
import { kernelInfo } from "./kernel-info.js";
import { Signer, type JupyterMessage } from "./wire.js";

/**
 * The control and heartbeat channels, in a worker thread: they must answer while a cell keeps the main thread busy.
 * An `interrupt_request` is handed to the main thread (which cancels the cell's remote calls); if the main thread does
 * not acknowledge it within {@link SIGINT_AFTER_MS}, it is stuck in synchronous code (`while (true) {}`), and a SIGINT
 * to this process stops that code (the executor runs cells with vm's `breakOnSigint`), as the pipe kernel's client does.
 * @internal
 */

export interface ControlThreadData {
  connection: ConnectionInfo;
  session: string;
}

/** Main thread → worker and back. */
export type ControlToMain = { type: "interrupt"; id: number } | { type: "shutdown"; restart: boolean } | { type: "ready" } | { type: "closed" };
/** `close`: the process is about to exit; the sockets are closed by their own thread (an exit with zmq sockets open
 * in a worker aborts in the addon). */
export type MainToControl = { type: "interrupted"; id: number } | { type: "close" };

/** @default 100 ms: the main thread reads its messages between two turns of its event loop. */
const SIGINT_AFTER_MS = 100;

const port = parentPort!;
const { connection, session } = workerData as ControlThreadData;
const signer = new Signer(connection.key, connection.signature_scheme);
// Straight to fd 2: the worker's process.stderr is relayed through the main thread, whose stderr is a cell's output.
const log = (line: string) => void writeSync(2, `${line}\n`);

const heartbeat = new zmq.Reply({ linger: 0 });
const controlSocket = new zmq.Router({ linger: 1000, sendTimeout: 0 });
await Promise.all([heartbeat.bind(endpoint(connection, "hb")), controlSocket.bind(endpoint(connection, "control"))]);
const control = new Channel({ name: "control", socket: controlSocket, signer, session, log });

const acks = new Map<number, () => void>();
let nextId = 0;
port.on("message", (message: MainToControl) => {
  if (message.type === "interrupted") acks.get(message.id)?.();
  else if (message.type === "close") {
    heartbeat.close();
    control.close();
    port.postMessage({ type: "closed" } satisfies ControlToMain);
  }
});

async function interrupt(): Promise<void> {
  const id = ++nextId;
  const acked = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), SIGINT_AFTER_MS);
    acks.set(id, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  port.postMessage({ type: "interrupt", id } satisfies ControlToMain);
  if (!(await acked) && process.platform !== "win32") process.kill(process.pid, "SIGINT");
  acks.delete(id);
}

async function handle(request: JupyterMessage): Promise<void> {
  switch (request.header.msg_type) {
    case "interrupt_request":
      await interrupt();
      control.reply(request, "interrupt_reply", { status: "ok" });
      break;
    case "shutdown_request": {
      const restart = request.content.restart === true;
      control.reply(request, "shutdown_reply", { status: "ok", restart });
      await control.drained();
      port.postMessage({ type: "shutdown", restart } satisfies ControlToMain);
      break;
    }
    case "kernel_info_request":
      control.reply(request, "kernel_info_reply", kernelInfo());
      break;
    default:
      log(`chalknb jupyter: control: ${request.header.msg_type} is not supported; ignored`);
  }
}

void (async () => {
  for await (const frames of heartbeat) await heartbeat.send(frames);
})().catch(() => undefined);
void control.serve(handle);
port.postMessage({ type: "ready" } satisfies ControlToMain);
