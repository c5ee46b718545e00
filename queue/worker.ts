import { hostname } from "node:os";
import { WebSocket } from "ws";
import { bodyParts, encodeFrame, encodeFrameParts, FrameReader, sendFrame, type Frame } from "../protocol/frame-codec.js";
import { socketOptions } from "../protocol/socket-options.js";
import { decodeRows } from "../protocol/arrow-ipc.js";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import { PROTOCOL_VERSION, type BatchMessage, type WorkerHardware } from "../protocol/messages.js";
import type { FunctionDefinition, ColumnHandler } from "./define-function.js";
import { handlerArguments } from "./batch-input.js";
import { encodeResultSlice, toResultVector } from "./result-encoding.js";
import { loadFunctionFiles } from "./function-loader.js";
import { detectHardware } from "./hardware.js";
import { unmetNeed } from "./policy/placement.js";
import { describeNeeds } from "./resources.js";

export interface WorkerOptions {
  /** Queue URL, e.g. ws://127.0.0.1:7777. */
  url: string;
  token?: string;
  /** Function definitions, or paths of files exporting them. */
  functions: readonly (FunctionDefinition | string)[];
  /**
   * Batches held at once. 2 lets the next batch travel while the current one runs; a GPU worker serving one model
   * rarely wants more. @default 2
   */
  concurrency?: number;
  /** Shown in the queue's logs and errors. @default host:pid */
  name?: string;
  /** Reconnect when the queue goes away (not on auth or protocol errors). @default true */
  reconnect?: boolean;
  log?: (line: string) => void;
  /** What this worker runs on, sent in its hello for placement. @default detected (nvidia-smi, cores, memory) */
  hardware?: WorkerHardware;
}

export interface Worker {
  /** The functions this worker serves (those whose needs its hardware meets). */
  readonly functions: readonly string[];
  readonly hardware: WorkerHardware;
  /** Functions declared but not served here, with why ("it has no GPU"). */
  readonly unmet: ReadonlyMap<string, string>;
  /** Resolves once the queue has welcomed this worker (again after a reconnect). */
  readonly ready: Promise<void>;
  /** Batches handled so far. */
  readonly batchesHandled: number;
  close(): Promise<void>;
}

/** Connects to a queue and serves batches of the given functions until closed. */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const definitions: FunctionDefinition[] = [];
  const paths = options.functions.filter((f): f is string => typeof f === "string");
  definitions.push(...options.functions.filter((f): f is FunctionDefinition => typeof f !== "string"));
  if (paths.length) definitions.push(...(await loadFunctionFiles(paths)));
  const byName = new Map(definitions.map((d) => [d.spec.name, d]));
  const concurrency = options.concurrency ?? 2;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const hardware = options.hardware ?? detectHardware();
  // A function whose needs this machine does not meet is still declared (the queue knows it and holds its calls for
  // a worker that can serve it, saying why meanwhile) and never served here: the queue's placement skips this worker.
  const unmet = new Map<string, string>();
  for (const d of definitions) {
    const reason = unmetNeed(hardware, d.spec.needs);
    if (!reason) continue;
    unmet.set(d.spec.name, reason);
    log(`worker ${name}: not serving "${d.spec.name}": it needs ${describeNeeds(d.spec.needs!)} and ${reason}; its calls wait for a worker that has it`);
  }
  let socket: WebSocket | undefined;
  let closed = false;
  let batchesHandled = 0;
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});

  const connect = (attempt: number) => {
    const ws = new WebSocket(options.url, { ...socketOptions(options.url), maxPayload: 512 * 1024 * 1024 });
    socket = ws;
    let fatal = false;
    ws.binaryType = "nodebuffer";
    ws.on("open", () => {
      ws.send(encodeFrame({
        type: "hello", protocolVersion: PROTOCOL_VERSION, role: "worker", token: options.token, name,
        functions: definitions.map((d) => d.spec), credits: concurrency, hardware,
      }));
    });
    const reader = new FrameReader();
    ws.on("message", (data: Buffer) => {
      let frame: Frame | undefined;
      try {
        frame = reader.read(data);
      } catch (error) {
        log(`worker ${name}: ignoring a malformed frame from the queue: ${(error as Error).message}`);
        return;
      }
      if (!frame) return;
      const header = frame.header;
      if (header.type === "welcome") {
        attempt = 0;
        resolveReady();
      } else if (header.type === "error") {
        // A refused spec (another worker serves the name differently) will be refused again: stop, do not take over later.
        fatal = header.code === ErrorCode.Unauthorized || header.code === ErrorCode.ProtocolVersion || header.code === ErrorCode.MalformedFrame ||
          header.code === ErrorCode.InvalidArgument;
        const error = new ChalknbError(header.code as ErrorCode, `queue refused worker ${name}: ${header.message}`);
        log(error.message);
        rejectReady(error);
      } else if (header.type === "batch") {
        void runBatch(ws, header, frame);
      }
    });
    ws.on("close", () => {
      if (closed || fatal || options.reconnect === false) return;
      const delay = Math.min(5000, 100 * 2 ** attempt);
      log(`worker ${name}: connection to ${options.url} lost; reconnecting in ${delay} ms`);
      setTimeout(() => !closed && connect(attempt + 1), delay);
    });
    ws.on("error", (error) => {
      log(`worker ${name}: ${error.message}`);
      if (attempt === 0 && options.reconnect === false) rejectReady(error);
    });
  };

  const runBatch = async (ws: WebSocket, batch: BatchMessage, frame: Frame) => {
    const definition = byName.get(batch.function);
    let reply: Uint8Array[];
    try {
      if (!definition) throw new Error(`this worker does not serve "${batch.function}"`);
      if (unmet.has(batch.function)) throw new Error(`worker ${name} does not serve "${batch.function}": ${unmet.get(batch.function)}`);
      const tables = bodyParts(frame, batch.segments.map((s) => s.bytes)).map(decodeRows);
      const rows = batch.segments.reduce((n, s) => n + s.rows, 0);
      const args = handlerArguments(definition.spec, tables);
      const output = await (definition.handler as ColumnHandler)(...args);
      let result: ReturnType<typeof toResultVector>;
      try {
        result = toResultVector(output, rows);
      } catch (error) {
        // The wrong number or kind of values is a bug in the handler, not a bad row: the queue neither retries nor
        // bisects it (policy/bisection.ts).
        throw Object.assign(error as Error, { retryable: false });
      }
      const parts: Uint8Array[] = [];
      let from = 0;
      for (const segment of batch.segments) {
        parts.push(encodeResultSlice(result, from, from + segment.rows));
        from += segment.rows;
      }
      reply = encodeFrameParts({ type: "done", batchId: batch.batchId, segments: batch.segments.map((s, i) => ({ rows: s.rows, bytes: parts[i].byteLength })) }, parts);
    } catch (error) {
      const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
      const retryable = (error as { retryable?: unknown } | null)?.retryable !== false;
      reply = encodeFrameParts({ type: "failed", batchId: batch.batchId, message, ...(retryable ? {} : { retryable: false }) });
    }
    batchesHandled += 1;
    if (ws.readyState === ws.OPEN) sendFrame(ws, reply);
  };

  connect(0);
  return {
    functions: [...byName.keys()].filter((n) => !unmet.has(n)),
    hardware,
    unmet,
    ready,
    get batchesHandled() {
      return batchesHandled;
    },
    close: async () => {
      closed = true;
      const ws = socket;
      if (!ws || ws.readyState === ws.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.close();
        setTimeout(() => ws.terminate(), 1000).unref();
      });
    },
  };
}
