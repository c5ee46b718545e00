import { WebSocket } from "ws";
import { bodyParts, encodeFrame, encodeFrameParts, FrameReader, sendFrame, type Frame, type OutgoingFrame } from "../protocol/frame-codec.js";
import { socketOptions } from "../protocol/socket-options.js";
import { ChalknbError, ConnectionError, ErrorCode } from "../protocol/errors.js";
import { PROTOCOL_VERSION, type ErrorMessage, type RowError, type SubmitMessage } from "../protocol/messages.js";
import { connectionLimits, type ConnectionLimits } from "./connection-options.js";
import { Heartbeat } from "./heartbeat.js";
import { boundText, salvageReply } from "./reply-salvage.js";

export interface ChunkEvents {
  /** `waiting`: why the rows wait, when no worker serves the function yet. */
  onAccepted?(waiting?: string): void;
  onProgress?(state: "running" | "retried", attempts: number): void;
}

export interface ChunkReply {
  parts: Uint8Array[];
  attempts: number;
  /** `returnErrors` only: rows that failed (their rows have no part). */
  errors?: RowError[];
}

/** Frames about a spawned call (sdk/call-follower.ts, sdk/spawned-calls.ts). */
export interface CallListener {
  frame(frame: Frame): void;
  /** The connection was lost or refused: nothing more will come. */
  lost(error: ChalknbError): void;
}

interface Pending extends ChunkEvents {
  resolve(reply: ChunkReply): void;
  reject(error: ErrorMessage | Error): void;
  /** The client's own deadline for a chunk with a timeout. */
  timer?: NodeJS.Timeout;
}

/**
 * Results are large (8 MB per 4096 embeddings, and a chunk can hold many more): the client takes messages up to
 * 1 GiB from its queue. Headers stay bounded by the codec; a reply the codec refuses fails only its own chunk.
 */
const MAX_REPLY_BYTES = 1024 * 1024 * 1024;
/** Dropped-frame warnings per connection before the rest are only counted. */
const MAX_WARNINGS = 10;

/**
 * One client WebSocket to the queue, shared by every RemoteFunction of a Remote. The socket is unref'd while no
 * chunk is pending, so a script that is done exits without closing its Remote.
 *
 * It never waits on the queue without a bound: the connection has a connect timeout, a chunk with a timeout has a
 * client-side deadline, and pings detect a peer that went silent (issue 9, defect 7).
 */
export class QueueConnection {
  readonly #url: string;
  readonly #token: string | undefined;
  readonly #limits: ConnectionLimits;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Map<string, Set<CallListener>>();
  #socket: WebSocket | undefined;
  #opening: Promise<WebSocket> | undefined;
  #warnings = 0;

  constructor(url: string, token: string | undefined, limits: ConnectionLimits = connectionLimits()) {
    this.#url = url;
    this.#token = token;
    this.#limits = limits;
  }

  get url(): string {
    return this.#url;
  }

  /** Submits one chunk; resolves with its result parts or rejects with the queue's error message (or an Error). */
  async submit(message: SubmitMessage, body: Uint8Array, events: ChunkEvents): Promise<ChunkReply> {
    const socket = await this.#open();
    const key = `${message.callId}#${message.chunk}`;
    return new Promise<ChunkReply>((resolve, reject) => {
      const pending: Pending = { ...events, resolve, reject };
      if (message.timeoutMs !== null) {
        // The queue fails a chunk at its timeout; this only fires when the queue did not say so in time.
        pending.timer = setTimeout(() => this.#expire(key, message.timeoutMs!), message.timeoutMs + this.#limits.timeoutMarginMs);
      }
      this.#pending.set(key, pending);
      this.#updateRef();
      sendFrame(socket, encodeFrameParts(message, body));
    });
  }

  /**
   * Hears every frame about spawned call `callId` until the returned function is called; the process stays alive
   * meanwhile. Register before sending the request, so no answer is missed.
   */
  listen(callId: string, listener: CallListener): () => void {
    let set = this.#listeners.get(callId);
    if (!set) this.#listeners.set(callId, (set = new Set()));
    set.add(listener);
    this.#updateRef();
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(callId) === set) this.#listeners.delete(callId);
      this.#updateRef();
    };
  }

  /** Sends frames about a spawned call, connecting first if needed. */
  async send(frames: readonly OutgoingFrame[]): Promise<void> {
    const socket = await this.#open();
    this.#updateRef();
    for (const frame of frames) sendFrame(socket, frame);
  }

  /** Asks the queue to drop a call's rows; the pending promises are settled by the caller. */
  cancel(callId: string, chunk?: number): void {
    for (const key of [...this.#pending.keys()]) {
      if (key.startsWith(`${callId}#`) && (chunk === undefined || key === `${callId}#${chunk}`)) this.#take(key);
    }
    this.#updateRef();
    const socket = this.#socket;
    if (socket?.readyState === WebSocket.OPEN) socket.send(encodeFrame({ type: "cancel", callId, chunk }));
  }

  close(): void {
    this.#socket?.close();
    this.#socket = undefined;
    this.#opening = undefined;
  }

  #open(): Promise<WebSocket> {
    if (this.#socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.#socket);
    this.#opening ??= new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.#url, { ...socketOptions(this.#url), maxPayload: MAX_REPLY_BYTES });
      socket.binaryType = "nodebuffer";
      let welcomed = false;
      let heartbeat: Heartbeat | undefined;
      let lost: string | undefined;
      const connectTimeoutS = this.#limits.connectTimeoutMs / 1000;
      const connectTimer = setTimeout(() => {
        if (welcomed) return;
        reject(new ConnectionError(ErrorCode.NotConnected,
          `cannot connect to the function queue at ${this.#url}: no welcome within ${connectTimeoutS} s (connectTimeout); ` +
          "is `chalknb queue` running and responsive there?", { retryable: true }));
        socket.terminate();
      }, this.#limits.connectTimeoutMs);
      socket.on("open", () => socket.send(encodeFrame({ type: "hello", protocolVersion: PROTOCOL_VERSION, role: "client", token: this.#token })));
      const reader = new FrameReader();
      let skip = 0;
      socket.on("message", (data: Buffer) => {
        if (skip > 0) {
          skip -= 1; // a body part of a frame already refused
          return;
        }
        let frame: Frame | undefined;
        try {
          frame = reader.read(data);
        } catch (error) {
          skip = this.#refused(data, (error as Error).message);
          return;
        }
        if (!frame) return;
        if (frame.header.type === "welcome") {
          welcomed = true;
          clearTimeout(connectTimer);
          this.#socket = socket;
          if (this.#limits.heartbeatIntervalMs > 0) {
            heartbeat = new Heartbeat(socket, this.#limits.heartbeatIntervalMs, (silentMs) => {
              lost = `no answer to ${Heartbeat.MISSED_PINGS} pings in ${silentMs / 1000} s (the queue process may be stopped or its host unreachable)`;
              socket.terminate();
            });
          }
          this.#updateRef();
          return resolve(socket);
        }
        const refusal = this.#route(frame);
        if (refusal) {
          if (!welcomed) reject(refusal);
          this.#failAll(refusal);
        }
      });
      socket.on("error", (error) => {
        if (!welcomed) {
          reject(new ConnectionError(ErrorCode.NotConnected,
            `cannot reach the function queue at ${this.#url} (${error.message}); is \`chalknb queue\` running there?`, { retryable: true, cause: error }));
        }
      });
      socket.on("close", (code, reason) => {
        clearTimeout(connectTimer);
        heartbeat?.stop();
        this.#opening = undefined;
        if (this.#socket === socket) this.#socket = undefined;
        const error = new ConnectionError(ErrorCode.ConnectionLost, lost
          ? `the connection to the function queue at ${this.#url} was lost: ${lost}`
          : `the connection to the function queue at ${this.#url} closed (${code}${reason.length ? `: ${reason}` : ""}) with chunks pending`,
        { retryable: true });
        if (!welcomed) reject(error);
        this.#failAll(error);
      });
    });
    const opening = this.#opening;
    opening.catch(() => {
      if (this.#opening === opening) this.#opening = undefined;
    });
    return opening;
  }

  /**
   * Hands one frame to the chunk it names. Returns an error only for a connection-level refusal (an error frame
   * with no callId), which fails every pending chunk; anything wrong with one chunk's reply fails that chunk only.
   */
  #route(frame: Frame): ConnectionError | undefined {
    const header = frame.header;
    switch (header.type) {
      case "accepted":
        this.#notify(header.callId, header.chunk, (p) => p.onAccepted?.(typeof header.waiting === "string" ? header.waiting : undefined));
        return undefined;
      case "progress":
        if (!this.#pending.has(`${header.callId}#${header.chunk}`)) return this.#toListeners(header.callId, frame);
        this.#notify(header.callId, header.chunk, (p) => p.onProgress?.(header.state, header.attempts));
        return undefined;
      case "spawned":
      case "call-status":
      case "call-error":
        return this.#toListeners(header.callId, frame);
      case "result": {
        const key = `${header.callId}#${header.chunk}`;
        if (!this.#pending.has(key)) return this.#toListeners(header.callId, frame); // a spawned call's, or cancelled meanwhile
        let parts: Uint8Array[];
        try {
          if (!Array.isArray(header.parts)) throw new Error(`"parts" must be an array of byte lengths, got ${JSON.stringify(header.parts)}`);
          parts = bodyParts(frame, header.parts);
          if (header.errors !== undefined && !validRowErrors(header.errors)) throw new Error("\"errors\" must be a list of { offset, count, code, message, attempts }");
        } catch (error) {
          this.#failOne(key, `its result frame cannot be read: ${(error as Error).message}`);
          return undefined;
        }
        this.#take(key)?.resolve({ parts, attempts: header.attempts, ...(header.errors ? { errors: header.errors } : {}) });
        return undefined;
      }
      case "error": {
        if (header.callId === undefined) {
          return new ConnectionError(header.code as ErrorCode, `queue ${this.#url} refused the connection: ${boundText(String(header.message))}`);
        }
        const key = `${header.callId}#${header.chunk}`;
        if (!this.#pending.has(key)) return this.#toListeners(header.callId, frame);
        this.#take(key)?.reject({ ...header, message: boundText(String(header.message)) });
        return undefined;
      }
      default:
        this.#warn(`ignored a "${boundText(String(header.type), 80)}" frame it does not expect`);
        return undefined;
    }
  }

  /**
   * A frame the codec refused: the chunk it names (if it names one that is pending) fails, the rest go on. Returns
   * how many following messages are body parts of this frame, to be skipped.
   */
  #refused(data: Uint8Array, why: string): number {
    const salvaged = salvageReply(data);
    const bodyPartsAnnounced = salvaged?.header?.bodyParts;
    const skip = Number.isInteger(bodyPartsAnnounced) && (bodyPartsAnnounced as number) > 0 && (bodyPartsAnnounced as number) <= 4096 ? bodyPartsAnnounced as number : 0;
    const key = salvaged ? `${salvaged.callId}#${salvaged.chunk}` : undefined;
    if (!key || !this.#pending.has(key)) {
      this.#warn(`dropped a frame of ${data.byteLength} bytes that it cannot read${key ? ` (for chunk ${key}, no longer pending)` : ""}: ${why}`);
      return skip;
    }
    const header = salvaged!.header;
    if (header?.type === "error" && typeof header.code === "string" && typeof header.message === "string") {
      // Only too large for the codec (e.g. an echoed 1 MiB function name): the queue's own error, bounded.
      this.#take(key)?.reject({ ...(header as unknown as ErrorMessage), message: boundText(header.message) });
    } else {
      this.#failOne(key, `its reply frame (${data.byteLength} bytes) cannot be read: ${why}`);
    }
    return skip;
  }

  #toListeners(callId: unknown, frame: Frame): undefined {
    for (const listener of [...(this.#listeners.get(String(callId)) ?? [])]) {
      try {
        listener.frame(frame);
      } catch (error) {
        this.#warn(`caught an error from a call listener: ${(error as Error).message}`);
      }
    }
    return undefined;
  }

  #notify(callId: string, chunk: number, fn: (pending: Pending) => void): void {
    const pending = this.#pending.get(`${callId}#${chunk}`);
    if (!pending) return;
    try {
      fn(pending);
    } catch (error) {
      this.#warn(`caught an error from a progress listener: ${(error as Error).message}`);
    }
  }

  #failOne(key: string, why: string): void {
    this.#warn(`failed chunk ${key}: ${why}`);
    this.#take(key)?.reject(new ChalknbError(ErrorCode.MalformedFrame, `the queue at ${this.#url} sent a reply that the client cannot read: ${why}`));
  }

  #expire(key: string, timeoutMs: number): void {
    const pending = this.#take(key);
    if (!pending) return;
    const [callId, chunk] = key.split("#");
    const socket = this.#socket;
    if (socket?.readyState === WebSocket.OPEN) socket.send(encodeFrame({ type: "cancel", callId: callId!, chunk: Number(chunk) }));
    pending.reject(new ChalknbError(ErrorCode.ChunkTimeout,
      `timed out after ${timeoutMs / 1000} s: the queue at ${this.#url} did not answer within the timeout plus ` +
      `${this.#limits.timeoutMarginMs / 1000} s (timeoutMargin); it may be stopped, overloaded or unreachable`, { retryable: true }));
  }

  /** Removes a pending chunk (clearing its deadline) and returns it. */
  #take(key: string): Pending | undefined {
    const pending = this.#pending.get(key);
    if (!pending) return undefined;
    this.#pending.delete(key);
    clearTimeout(pending.timer);
    this.#updateRef();
    return pending;
  }

  #failAll(error: ChalknbError): void {
    const listeners = [...this.#listeners.values()].flatMap((set) => [...set]);
    this.#listeners.clear();
    for (const listener of listeners) listener.lost(error);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#updateRef();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  #warn(message: string): void {
    this.#warnings += 1;
    if (this.#warnings > MAX_WARNINGS + 1) return;
    const text = this.#warnings > MAX_WARNINGS
      ? `chalknb: the client dropped more frames from the queue at ${this.#url}; further warnings are not shown`
      : `chalknb: the client ${message} (queue ${this.#url})`;
    try {
      this.#limits.warn(text);
    } catch {
      // A warning sink that throws must not break the connection.
    }
  }

  /** Keep the process alive only while results are awaited (ws exposes no public ref/unref). */
  #updateRef(): void {
    const raw = (this.#socket as unknown as { _socket?: { ref(): void; unref(): void } } | undefined)?._socket;
    if (!raw) return;
    if (this.#pending.size > 0 || this.#listeners.size > 0) raw.ref();
    else raw.unref();
  }
}

/** The `errors` of a returnErrors result, as the client relies on them (row-errors.ts). */
function validRowErrors(errors: unknown): errors is RowError[] {
  return Array.isArray(errors) && errors.every((e: Partial<RowError> | null) =>
    typeof e === "object" && e !== null && Number.isInteger(e.offset) && e.offset! >= 0 && Number.isInteger(e.count) && e.count! > 0 &&
    typeof e.code === "string" && typeof e.message === "string");
}
