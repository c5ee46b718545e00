import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { bodyParts, encodeFrame, FrameLimitError, FrameReader, sendFrame, wholeBody, type Frame, type OutgoingFrame } from "../protocol/frame-codec.js";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import { PROTOCOL_VERSION, type FunctionSpec, type HelloMessage, type Message } from "../protocol/messages.js";
import { systemClock, type Clock } from "./clock.js";
import type { ClientPeer, WorkerPeer } from "./entities.js";
import { MemoryBackend } from "./backends/memory-backend.js";
import type { QueueBackend } from "./backend.js";
import { createRedisBackend } from "./backends/redis-backend.js";
import { createHttpHandler } from "./http-api.js";
import { isLoopback, tokenMatches } from "./auth.js";
import { validateSubmit, validateWorkerFunctions } from "./message-validation.js";
import { validateHardware } from "./hardware.js";
import { createSpawnedCalls, type SpawnedCalls } from "./calls/create-calls.js";
import type { CallRunner } from "./calls/call-runner.js";

export interface QueueOptions {
  /** @default "127.0.0.1" — any other host requires `token`. */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Required from every client and worker when set. */
  token?: string;
  /** Per-function cap on buffered rows. @default 100_000 */
  maxBufferedRows?: number;
  /**
   * Per-function cap on bytes of chunks submitted and not yet finished (queued or running; on Redis across every
   * gateway). Past it a submit gets a retryable `queue_full`; a chunk larger than it is refused. @default 1 GiB
   */
  maxBufferedBytes?: number;
  /**
   * Longest a batch stays on a worker. Past it the worker's slot is freed, the rows are delivered again (counted
   * like a lost worker) and the worker is reported `hung` until it answers. @default 600_000 (10 min)
   */
  batchDeadlineMs?: number;
  /** A function no worker serves leaves /v1/functions and /metrics after this long (nothing queued). @default 60_000 */
  functionGraceMs?: number;
  /** Largest frame accepted (a detached body's parts counted together). @default 256 MiB */
  maxFrameBytes?: number;
  /** Bytes a connection may send before its hello is accepted; nothing more is buffered for it. @default 65_536 */
  maxPreLoginBytes?: number;
  /** Time a new socket has to say hello. @default 10_000 */
  helloTimeoutMs?: number;
  /** @default 100 */
  retryBackoffMs?: number;
  /** @default 3 */
  maxWorkerLosses?: number;
  clock?: Clock;
  /**
   * Where rows wait: `"memory"` (this process only) or Redis Streams, shared by any number of gateways
   * (`{ redis: "redis://host:6379" }`, or on a Redis Cluster `{ redis: "redis://a:6379,redis://b:6379", cluster: true }`).
   * @default "memory"
   */
  backend?: "memory" | RedisBackendSelection;
  /**
   * A spawned call's results are kept this long after it finished (`remote.call(id).get()` works until then; after,
   * it fails with `CHALKNB_RESULT_EXPIRED`). @default 3_600_000 (1 hour)
   */
  resultTtlMs?: number;
  /** Most bytes of spawned calls' results kept; past it the oldest finished calls' results go first. @default 1 GiB */
  resultMaxBytes?: number;
}

/** The Redis backend and its knobs (see docs/deployment.md). */
export interface RedisBackendSelection {
  /** One Redis URL; with `cluster`, one or more comma-separated seed nodes of the Cluster. */
  redis: string;
  /** Connect to a Redis Cluster (every key of one script or pipeline shares a hash tag). @default false */
  cluster?: boolean;
  /** Prefix of every key, so several queues share one Redis. @default "chalknb" */
  keyPrefix?: string;
  /** Pending rows of a gateway that stopped heartbeating are reclaimed after this long. @default 10_000 */
  claimIdleMs?: number;
}

export interface QueueServer {
  /** `ws://host:port` */
  readonly url: string;
  /** `http://host:port` (for /v1/functions and /metrics) */
  readonly httpUrl: string;
  readonly port: number;
  readonly core: QueueBackend;
  /** Runs spawned calls (`fn.spawn`, `deferBatch`); events `chunk-submitted`, `chunk-finished`, `call-finished`. */
  readonly calls: CallRunner;
  close(): Promise<void>;
}

/** Close codes (4000–4999 are the application's). The reason is cut to WebSocket's 123-byte limit. */
export const CloseCode = { Unauthorized: 4001, ProtocolVersion: 4002, ExpectedHello: 4003, Malformed: 1007, BinaryOnly: 1003, MessageTooBig: 1009 } as const;

export async function startQueue(options: QueueOptions = {}): Promise<QueueServer> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.token) {
    throw new ChalknbError(ErrorCode.InvalidArgument,
      `refusing to listen on ${host} without a token: pass --token <secret> (or token) so only your clients and workers can connect, or listen on 127.0.0.1`);
  }
  const core = await createBackend(options);
  let calls: SpawnedCalls;
  try {
    calls = await createSpawnedCalls({
      backend: core, clock: options.clock ?? systemClock, resultTtlMs: options.resultTtlMs, resultMaxBytes: options.resultMaxBytes,
      redis: typeof options.backend === "object"
        ? { url: options.backend.redis, cluster: options.backend.cluster ?? false, keyPrefix: options.backend.keyPrefix ?? "chalknb", claimIdleMs: options.backend.claimIdleMs ?? 10_000 }
        : undefined,
    });
  } catch (error) {
    await core.close();
    throw error;
  }
  const http: Server = createServer(createHttpHandler(core, options.token, undefined, calls.runner));
  const maxFrameBytes = options.maxFrameBytes ?? 256 * 1024 * 1024;
  const wss = new WebSocketServer({ server: http, maxPayload: maxFrameBytes, perMessageDeflate: false });
  wss.on("connection", (socket, request) => serveConnection(socket, request.socket, core, calls, { ...options, maxFrameBytes }));
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, host, () => resolve());
  }).catch(async (error) => {
    await calls.close();
    await core.close();
    throw error;
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `ws://${urlHost}:${port}`,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    core,
    calls: calls.runner,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }).then(() => calls.close()).then(() => core.close()),
  };
}

async function createBackend(options: QueueOptions): Promise<QueueBackend> {
  const clock = options.clock ?? systemClock;
  const maxBufferedRows = options.maxBufferedRows ?? 100_000;
  const retryBackoffMs = options.retryBackoffMs ?? 100;
  const maxWorkerLosses = options.maxWorkerLosses ?? 3;
  const { maxBufferedBytes, batchDeadlineMs, functionGraceMs } = options;
  const backend = options.backend ?? "memory";
  if (backend === "memory") return new MemoryBackend({ clock, maxBufferedRows, retryBackoffMs, maxWorkerLosses, maxBufferedBytes, batchDeadlineMs, functionGraceMs });
  if (typeof backend !== "object" || typeof backend.redis !== "string" || backend.redis === "") {
    throw new ChalknbError(ErrorCode.InvalidArgument, `backend must be "memory" or { redis: "redis://host:port" }, got ${JSON.stringify(backend)}`);
  }
  return createRedisBackend({
    url: backend.redis, cluster: backend.cluster ?? false, keyPrefix: backend.keyPrefix, claimIdleMs: backend.claimIdleMs,
    clock, maxBufferedRows, retryBackoffMs, maxWorkerLosses, maxBufferedBytes, batchDeadlineMs, functionGraceMs,
  });
}

function serveConnection(socket: WebSocket, raw: Socket, core: QueueBackend, calls: SpawnedCalls, options: QueueOptions): void {
  const send = (frame: OutgoingFrame) => {
    if (socket.readyState === socket.OPEN) sendFrame(socket, frame);
  };
  const refuse = (closeCode: number, code: string, message: string) => {
    send(encodeFrame({ type: "error", code, message, retryable: false }));
    socket.close(closeCode, truncateReason(message));
    if (closeCode === CloseCode.MessageTooBig) stopReading(raw);
  };
  let peer: { role: "client"; client: ClientPeer } | { role: "worker"; worker: WorkerPeer } | undefined;
  const helloTimer = setTimeout(
    () => refuse(CloseCode.ExpectedHello, ErrorCode.MalformedFrame, "expected a hello frame within the hello timeout"),
    options.helloTimeoutMs ?? 10_000,
  );

  // Until the hello is accepted, a small allowance of raw bytes (counted as they arrive, before ws has a whole
  // message) and no detached bodies: nothing is buffered for a peer that has not logged in (issue 9).
  const maxPreLoginBytes = options.maxPreLoginBytes ?? 64 * 1024;
  let preLoginBytes = 0;
  const countPreLogin = (chunk: Buffer) => {
    preLoginBytes += chunk.byteLength;
    if (preLoginBytes > maxPreLoginBytes && !peer && socket.readyState === socket.OPEN) {
      refuse(CloseCode.MessageTooBig, ErrorCode.MalformedFrame,
        `frame too big: more than ${maxPreLoginBytes} bytes before hello (maxPreLoginBytes); send a hello without a body first`);
    }
  };
  raw.on("data", countPreLogin);
  const reader = new FrameReader({ maxFrameBytes: options.maxFrameBytes, refuseDetachedBodies: true });
  socket.on("message", (data: RawData, isBinary: boolean) => {
    if (!isBinary) return refuse(CloseCode.BinaryOnly, ErrorCode.MalformedFrame, "malformed frame: text frames are not part of the protocol; send binary frames");
    let frame: Frame | undefined;
    try {
      frame = reader.read(toBytes(data));
    } catch (error) {
      return refuse(error instanceof FrameLimitError ? CloseCode.MessageTooBig : CloseCode.Malformed, ErrorCode.MalformedFrame, (error as Error).message);
    }
    if (!frame) return; // a detached body is still arriving
    const header: Message = frame.header;
    try {
      if (!peer) {
        if (header.type !== "hello") {
          return refuse(CloseCode.ExpectedHello, ErrorCode.MalformedFrame, `malformed frame: expected "hello" first, got "${header.type}"`);
        }
        clearTimeout(helloTimer);
        peer = accept(header, socket, core, options, send, refuse);
        if (peer) {
          raw.off("data", countPreLogin);
          reader.acceptDetachedBodies();
        }
        return;
      }
      if (peer.role === "client") {
        if (header.type === "submit") return core.submit(peer.client, validateSubmit(header), wholeBody(frame));
        if (header.type === "cancel") return core.cancel(peer.client, String(header.callId), header.chunk);
        if (calls.sessions.handle(peer.client, header, wholeBody(frame))) return;
      } else {
        const worker = peer.worker;
        if (header.type === "ready") return core.addCredits(worker, Math.max(0, Math.floor(Number(header.credits) || 0)));
        if (header.type === "done") return core.complete(worker, header, bodyParts(frame, header.segments.map((s) => s.bytes)));
        if (header.type === "failed") return core.fail(worker, header);
      }
      refuse(CloseCode.Malformed, ErrorCode.MalformedFrame, `malformed frame: a ${peer.role} may not send "${header.type}"`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      refuse(CloseCode.Malformed, error instanceof ChalknbError ? error.code : ErrorCode.MalformedFrame, message);
    }
  });
  socket.on("close", () => {
    clearTimeout(helloTimer);
    if (peer?.role === "client") {
      core.removeClient(peer.client);
      calls.sessions.removePeer(peer.client);
    }
    if (peer?.role === "worker") core.removeWorker(peer.worker);
  });
  socket.on("error", () => socket.terminate());
}

function accept(
  hello: HelloMessage,
  socket: WebSocket,
  core: QueueBackend,
  options: QueueOptions,
  send: (frame: OutgoingFrame) => void,
  refuse: (closeCode: number, code: string, message: string) => void,
): { role: "client"; client: ClientPeer } | { role: "worker"; worker: WorkerPeer } | undefined {
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    refuse(CloseCode.ProtocolVersion, ErrorCode.ProtocolVersion,
      `protocol version ${hello.protocolVersion} is not supported (this queue speaks ${PROTOCOL_VERSION}); use the same chalknb version on both sides`);
    return undefined;
  }
  if (!tokenMatches(options.token, hello.token)) {
    refuse(CloseCode.Unauthorized, ErrorCode.Unauthorized,
      hello.token ? "unauthorized: wrong token" : "unauthorized: this queue requires a token (--token, CHALKNB_TOKEN)");
    return undefined;
  }
  const connectionId = randomUUID();
  if (hello.role === "worker") {
    const specs: FunctionSpec[] = validateWorkerFunctions(hello.functions);
    const worker: WorkerPeer = {
      id: connectionId,
      name: typeof hello.name === "string" ? hello.name : connectionId,
      functions: new Set(specs.map((s) => s.name)),
      hardware: validateHardware(hello.hardware),
      credits: 0,
      inFlight: new Set(),
      send,
      close: (code, message) => refuse(CloseCode.Malformed, code, message),
    };
    // Before the welcome: a backend refuses a spec that conflicts with live workers' by throwing (the caller closes).
    core.addWorker(worker, specs);
    send(encodeFrame({ type: "welcome", protocolVersion: PROTOCOL_VERSION, connectionId }));
    if (hello.credits) core.addCredits(worker, Math.max(0, Math.floor(hello.credits)));
    return { role: "worker", worker };
  }
  if (hello.role !== "client") {
    refuse(CloseCode.Malformed, ErrorCode.MalformedFrame, `malformed frame: hello.role must be "client" or "worker", got ${JSON.stringify(hello.role)}`);
    return undefined;
  }
  const client: ClientPeer = { id: connectionId, send, chunks: new Map() };
  send(encodeFrame({ type: "welcome", protocolVersion: PROTOCOL_VERSION, connectionId }));
  void socket;
  return { role: "client", client };
}

/**
 * After a 1009 close frame: read nothing more (what the peer still sends waits in the kernel, not in this process),
 * let the close frame and a FIN go out, and drop the connection soon after.
 */
function stopReading(raw: Socket): void {
  raw.pause();
  raw.end();
  setTimeout(() => raw.destroy(), 1000).unref();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function truncateReason(message: string): string {
  const bytes = Buffer.from(message);
  if (bytes.byteLength <= 123) return message;
  return bytes.subarray(0, 120).toString("utf8").replace(/\uFFFD+$/, "") + "...";
}
