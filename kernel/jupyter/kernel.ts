import { randomUUID } from "node:crypto";
import process from "node:process";
import vm from "node:vm";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import type { toMimeBundle as ToMimeBundle } from "../display.js";
import { Channel } from "./channel.js";
import { endpoint, readConnectionFile } from "./connection.js";
import type { ControlThreadData, ControlToMain, MainToControl } from "./control-thread.js";
import { withHtml } from "./html.js";
import { codePointToIndex, indexToCodePoint, inspectAt, isComplete } from "./introspection.js";
import { kernelInfo } from "./kernel-info.js";
import { MessageBridge } from "./message-bridge.js";
import { StdinBroker } from "./stdin.js";
import { Signer, type JupyterMessage } from "./wire.js";

/**
 * The chalknb kernel as a Jupyter kernel (`chalknb jupyter kernel --connection-file F`): the pipe kernel's executor,
 * display and completer behind the Jupyter wire protocol 5.3 over ZeroMQ. Shell, iopub and stdin live on the main
 * thread next to the executor; control and heartbeat in a worker thread (`control-thread.ts`) so they answer while a
 * cell keeps this thread busy.
 * @internal
 */

/** Seconds the embedded queue and worker get to stop at shutdown. @default 3 */
const SHUTDOWN_GRACE_MS = 3000;

/**
 * How long the kernel waits for a frontend's first request before it loads the rest anyway (two of jupyter_client's
 * 100 ms reconnection steps). @default 250 ms
 */
const FIRST_REQUEST_WAIT_MS = 250;

export async function runJupyterKernel(connectionFile: string): Promise<never> {
  const connection = await readConnectionFile(connectionFile);
  const session = randomUUID();
  const signer = new Signer(connection.key, connection.signature_scheme);
  // The kernel's own log goes to the real stderr (the Jupyter server's log), never into a cell's output.
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const log = (line: string) => void stderrWrite(`${line}\n`);

  let executorLoaded!: () => void;
  const loading = new Promise<void>((resolve) => (executorLoaded = resolve));
  // What a frontend waits for first is a kernel_info_reply on shell and then a message on iopub (jupyter_client asks
  // again if none comes within 0.2 s): only the shell, iopub and stdin sockets are bound before them. The control
  // thread, the executor and the cell globals start once both went out (or any other request came, or nobody asked
  // within FIRST_REQUEST_WAIT_MS), so on a busy machine they do not delay them. Control messages sent meanwhile wait
  // in the frontend's socket until the control thread binds.
  let loadRest!: () => void;
  const restWanted = new Promise<void>((resolve) => (loadRest = resolve));
  setTimeout(loadRest, FIRST_REQUEST_WAIT_MS);
  let infoAnswered = false;
  let subscriberWelcomed = false;

  // sendTimeout 0: sends complete synchronously (see Channel.send).
  const shellSocket = new zmq.Router({ linger: 1000, sendTimeout: 0 });
  const stdinSocket = new zmq.Router({ linger: 0, sendTimeout: 0 });
  // No silent drops under heavy output (a PUB socket drops at its high-water mark): sends wait instead. XPUB, so
  // each new subscriber is told the kernel's state at once (see welcomeSubscribers).
  const iopubSocket = new zmq.XPublisher({ linger: 1000, noDrop: true, sendHighWaterMark: 100_000, sendTimeout: 0, verbosity: "allSubs" });
  await Promise.all([
    shellSocket.bind(endpoint(connection, "shell")),
    stdinSocket.bind(endpoint(connection, "stdin")),
    iopubSocket.bind(endpoint(connection, "iopub")),
  ]);
  const shell = new Channel({ name: "shell", socket: shellSocket, signer, session, log });
  const stdin = new Channel({ name: "stdin", socket: stdinSocket, signer, session, log });
  const iopub = new Channel({ name: "iopub", socket: iopubSocket, signer, session, log });
  const broker = new StdinBroker(stdin);
  // Before the executor has loaded, a frontend's first kernel_info_request is answered at once (that answer is what
  // "kernel started" means to it) and anything else waits, in order, for the executor.
  let handleShell: ((request: JupyterMessage) => void) | undefined;
  let starting = true;
  void welcomeSubscribers(iopubSocket, () => {
    iopub.send(["status"], "status", {}, { execution_state: !starting && bridge.busy ? "busy" : "idle" });
    subscriberWelcomed = true;
    if (infoAnswered) loadRest();
  });
  void shell.serve(async (request) => {
    if (!handleShell && request.header.msg_type === "kernel_info_request") {
      iopub.send(["status"], "status", request.header, { execution_state: "busy" });
      shell.reply(request, "kernel_info_reply", kernelInfo());
      iopub.send(["status"], "status", request.header, { execution_state: "idle" });
      infoAnswered = true;
      if (subscriberWelcomed) loadRest();
      return;
    }
    loadRest();
    if (!handleShell) await loading;
    handleShell!(request);
  });
  await restWanted;

  const control = new Worker(new URL("./control-thread.js", import.meta.url), {
    workerData: { connection, session } satisfies ControlThreadData,
    stdout: false,
    stderr: false,
  });
  control.on("error", (error) => log(`chalknb jupyter: the control thread failed: ${error.stack ?? error.message}`));
  // Listening from the start: an interrupt or shutdown that comes while the executor loads is handled once it is.
  let handleControl: ((message: ControlToMain) => void) | undefined;
  control.on("message", (message: ControlToMain) => {
    if (handleControl) handleControl(message);
    else void loading.then(() => handleControl?.(message));
  });
  const [{ installCellRuntime }, { createExecutor }, { complete }, { toMimeBundle, setDisplayOptions }, { warmUpCompiler }, { holdSigintWatchdog }] = await Promise.all([
    import("../cell-runtime.js"),
    import("../executor.js"),
    import("../completer.js"),
    import("../display.js"),
    import("../cell-compiler.js"),
    import("../sigint-watchdog.js"),
  ]);

  // A Jupyter frontend cannot ask the kernel for rows past a table's preview, so no table is held for one.
  setDisplayOptions({ browsable: false });
  const runtime = installCellRuntime({ cwd: process.cwd() });
  const bridge = new MessageBridge({
    shell,
    iopub,
    executionCount: () => executor.executionCount,
    arrow: () => runtime.arrow(),
    evaluate: (expressions) => evaluateExpressions(expressions, runtime.arrow(), toMimeBundle),
    abort: (ids) => executor.interrupt(ids),
  });
  // A busy synchronous cell is stopped by vm's breakOnSigint (the control thread sends the SIGINT); at any other time
  // SIGINT must not kill the kernel (a Ctrl+C in the terminal that started Jupyter reaches the whole process group).
  // The held watchdog does both; where the runtime has none, a no-op listener keeps SIGINT from killing the kernel.
  const sigint = holdSigintWatchdog();
  if (!sigint) process.on("SIGINT", () => undefined);
  const executor = createExecutor({ send: bridge.send, runtime, sigint });
  const g = globalThis as Record<string, unknown>;
  g.display = (value: unknown, options?: { displayId?: string }) => executor.display(value, options);
  g.input = (prompt = "", options: { password?: boolean } = {}) => {
    const running = executor.runningParent();
    return broker.ask(running === undefined ? undefined : bridge.execution(running)?.request, String(prompt), options.password === true);
  };

  captureStream("stdout", bridge, executor.runningParent);
  captureStream("stderr", bridge, executor.runningParent);
  process.on("uncaughtException", (error) => log(`Uncaught exception (outside the running cell): ${error?.stack ?? String(error)}`));
  process.on("unhandledRejection", (reason) => log(`Unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));

  let shuttingDown = false;
  async function shutdown(): Promise<never> {
    if (!shuttingDown) {
      shuttingDown = true;
      executor.interrupt();
      await Promise.race([runtime.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref())]);
      await Promise.all([shell.drained(), iopub.drained()]);
      for (const channel of [shell, stdin, iopub]) channel.close();
      const closed = new Promise((resolve) => control.on("message", (m: ControlToMain) => m.type === "closed" && resolve(undefined)));
      control.postMessage({ type: "close" } satisfies MainToControl);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
      process.exit(0);
    }
    return new Promise<never>(() => undefined);
  }

  handleControl = (message: ControlToMain): void => {
    if (message.type === "interrupt") {
      executor.interrupt();
      control.postMessage({ type: "interrupted", id: message.id } satisfies MainToControl);
    } else if (message.type === "shutdown") void shutdown();
  };

  /** Requests other than execute publish their own busy/idle, unless a cell is running (its status is the truth). */
  function withStatus(request: JupyterMessage, answer: () => void): void {
    const publish = !bridge.busy;
    if (publish) iopub.send(["status"], "status", request.header, { execution_state: "busy" });
    answer();
    if (publish) iopub.send(["status"], "status", request.header, { execution_state: "idle" });
  }

  handleShell = (request: JupyterMessage): void => {
    const content = request.content as Record<string, unknown>;
    switch (request.header.msg_type) {
      case "execute_request": {
        bridge.begin(request);
        const cellId = (request.metadata as { cellId?: unknown }).cellId;
        // The messaging spec: the execution count counts runs that store history; `silent` forces store_history off.
        const counted = content.silent !== true && content.store_history !== false;
        executor.enqueue(
          {
            msg_type: "execute_request",
            msg_id: request.header.msg_id,
            content: { code: String(content.code ?? ""), cell_id: typeof cellId === "string" ? cellId : undefined },
          },
          { counted },
        );
        break;
      }
      case "kernel_info_request":
        withStatus(request, () => shell.reply(request, "kernel_info_reply", kernelInfo()));
        break;
      case "complete_request":
        withStatus(request, () => {
          const code = String(content.code ?? "");
          const cursor = codePointToIndex(code, Number(content.cursor_pos ?? code.length));
          const result = complete(code, cursor);
          shell.reply(request, "complete_reply", {
            status: "ok",
            matches: result.matches,
            cursor_start: indexToCodePoint(code, result.cursor_start),
            cursor_end: indexToCodePoint(code, result.cursor_end),
            metadata: {},
          });
        });
        break;
      case "inspect_request":
        withStatus(request, () => {
          const code = String(content.code ?? "");
          const found = inspectAt(code, codePointToIndex(code, Number(content.cursor_pos ?? code.length)), Number(content.detail_level ?? 0));
          shell.reply(request, "inspect_reply", { status: "ok", found: found.found, data: found.data, metadata: {} });
        });
        break;
      case "is_complete_request":
        withStatus(request, () => shell.reply(request, "is_complete_reply", isComplete(String(content.code ?? ""))));
        break;
      case "comm_info_request":
        withStatus(request, () => shell.reply(request, "comm_info_reply", { status: "ok", comms: {} }));
        break;
      case "history_request":
        withStatus(request, () => shell.reply(request, "history_reply", { status: "ok", history: [] }));
        break;
      case "shutdown_request":
        // Deprecated on shell (5.x moved it to control); still answered the same way.
        shell.reply(request, "shutdown_reply", { status: "ok", restart: content.restart === true });
        void shutdown();
        break;
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        // No comm targets yet: comm_info_reply says so, and messages to unknown comms are ignored (as ipykernel does).
        break;
      default:
        log(`chalknb jupyter: shell: ${request.header.msg_type} is not supported; ignored`);
    }
  };

  watchParent(() => void shutdown(), log);
  starting = false;
  executorLoaded();
  void stdin.serve((message) => {
    if (message.header.msg_type === "input_reply") broker.answer(message);
  });
  // Off the start path: warm the TypeScript transform once the globals are loaded.
  void runtime.ready.then(() => warmUpCompiler(), () => undefined);
  return new Promise<never>(() => undefined);
}

/**
 * A PUB socket's subscribers miss what was published before their subscription arrived, so a client's first
 * kernel_info round trip may see no iopub message and retry after its timeout (jupyter_client waits 0.2 s, then
 * asks again: seconds of start-up). Each new subscription is answered with the current status, as the iopub welcome
 * message of JEP 65 does for newer clients; a status without parent is ignored by every cell.
 */
async function welcomeSubscribers(socket: zmq.XPublisher, welcome: () => void): Promise<void> {
  try {
    for await (const [frame] of socket) if (frame?.[0] === 1) welcome();
  } catch {
    // The socket closed at shutdown.
  }
}

/**
 * Jupyter frontends name themselves in JPY_PARENT_PID: a kernel whose frontend died (killed, crashed) exits instead
 * of running on with nobody to talk to, as ipykernel's parent poller does. Checked every second, off the event loop's
 * keep-alive.
 */
function watchParent(onGone: () => void, log: (line: string) => void): void {
  const parent = Number(process.env.JPY_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1) return;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      log(`chalknb jupyter: the frontend (pid ${parent}) is gone; shutting down`);
      onGone();
    }
  }, 1000).unref();
}

/** `user_expressions` of an execute_request: each evaluated in the global scope after the cell, as a MIME bundle. */
function evaluateExpressions(expressions: Record<string, string>, arrow: Record<string, unknown> | undefined, toMimeBundle: typeof ToMimeBundle): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, expression] of Object.entries(expressions)) {
    try {
      const value = vm.runInThisContext(String(expression), { filename: `user_expressions[${name}]` });
      const bundle = toMimeBundle(value, arrow);
      out[name] = { status: "ok", data: withHtml(bundle.data, arrow), metadata: bundle.metadata };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      out[name] = { status: "error", ename: e.name, evalue: e.message, traceback: [`${e.name}: ${e.message}`] };
    }
  }
  return out;
}

/** Cell output (console.log, process.stdout.write) becomes `stream` messages of the running cell, as it is written. */
function captureStream(name: "stdout" | "stderr", bridge: MessageBridge, runningParent: () => string | undefined): void {
  const stream = process[name];
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
    const parent = runningParent();
    if (parent) bridge.send({ msg_type: "stream", parent_id: parent, content: { name, text } });
    else bridge.send({ msg_type: "idle_stream", content: { name, text } });
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
}
