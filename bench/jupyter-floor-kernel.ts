// `node dist/bench/jupyter-floor-kernel.js <connection file>`: a Jupyter kernel that runs nothing. It binds the five
// sockets with the chalknb kernel's own channel and wire code and answers each execute_request at once with the
// messages of a trivial cell (busy, execute_input, execute_result "1", execute_reply, idle), in the same order.
// bench/jupyter.ts runs it beside the real kernels: its round trip is the floor that Node, zeromq, the wire format
// and the Python client set before any execution, and its start is Node's plus zeromq's.
import { readFile } from "node:fs/promises";
import * as zmq from "zeromq";
import { Channel } from "../kernel/jupyter/channel.js";
import { endpoint, type ConnectionInfo } from "../kernel/jupyter/connection.js";
import { kernelInfo } from "../kernel/jupyter/kernel-info.js";
import { Signer } from "../kernel/jupyter/wire.js";

const connection = JSON.parse(await readFile(process.argv[2]!, "utf8")) as ConnectionInfo;
const signer = new Signer(connection.key, connection.signature_scheme);
const session = "floor";
const log = (line: string) => void process.stderr.write(`${line}\n`);

const heartbeat = new zmq.Reply({ linger: 0 });
const controlSocket = new zmq.Router({ linger: 0, sendTimeout: 0 });
const shellSocket = new zmq.Router({ linger: 0, sendTimeout: 0 });
const stdinSocket = new zmq.Router({ linger: 0, sendTimeout: 0 });
const iopubSocket = new zmq.XPublisher({ linger: 0, noDrop: true, sendHighWaterMark: 100_000, sendTimeout: 0, verbosity: "allSubs" });
await Promise.all([
  heartbeat.bind(endpoint(connection, "hb")),
  controlSocket.bind(endpoint(connection, "control")),
  shellSocket.bind(endpoint(connection, "shell")),
  stdinSocket.bind(endpoint(connection, "stdin")),
  iopubSocket.bind(endpoint(connection, "iopub")),
]);
const shell = new Channel({ name: "shell", socket: shellSocket, signer, session, log });
const iopub = new Channel({ name: "iopub", socket: iopubSocket, signer, session, log });
const control = new Channel({ name: "control", socket: controlSocket, signer, session, log });

void (async () => {
  for await (const frames of heartbeat) await heartbeat.send(frames);
})();
// As the real kernel does: a new subscriber is told the state at once.
void (async () => {
  for await (const [frame] of iopubSocket) if (frame?.[0] === 1) iopub.send(["status"], "status", {}, { execution_state: "idle" });
})();
void control.serve((request) => {
  if (request.header.msg_type === "shutdown_request") {
    control.reply(request, "shutdown_reply", { status: "ok", restart: false });
    void control.drained().then(() => process.exit(0));
  } else if (request.header.msg_type === "kernel_info_request") control.reply(request, "kernel_info_reply", kernelInfo());
});
let count = 0;
void shell.serve((request) => {
  const parent = request.header;
  iopub.send(["status"], "status", parent, { execution_state: "busy" });
  if (parent.msg_type === "kernel_info_request") shell.reply(request, "kernel_info_reply", kernelInfo());
  else if (parent.msg_type === "execute_request") {
    count++;
    iopub.send(["execute_input"], "execute_input", parent, { code: request.content.code, execution_count: count });
    iopub.send(["execute_result"], "execute_result", parent, { execution_count: count, data: { "text/plain": "1" }, metadata: {} });
    shell.reply(request, "execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: {} }, { status: "ok" });
  }
  iopub.send(["status"], "status", parent, { execution_state: "idle" });
});
