import { WebSocket } from "ws";
import { bodyParts, encodeFrame, encodeFrameParts, FrameReader, sendFrame, type Frame } from "../../protocol/frame-codec.js";
import { socketOptions } from "../../protocol/socket-options.js";
import { ChalknbError, ConnectionError, ErrorCode } from "../../protocol/errors.js";
import { PROTOCOL_VERSION, type ErrorMessage, type SubmitMessage } from "../../protocol/messages.js";

export interface ChunkEvents {
  onAccepted?(): void;
  onProgress?(state: "running" | "retried", attempts: number): void;
}

export interface ChunkReply {
  parts: Uint8Array[];
  attempts: number;
}

interface Pending extends ChunkEvents {
  resolve(reply: ChunkReply): void;
  reject(error: ErrorMessage | Error): void;
}

/**
 * One client WebSocket to the queue, shared by every RemoteFunction of a Remote. The socket is unref'd while no
 * chunk is pending, so a script that is done exits without closing its Remote.
 */
export class QueueConnection {
  readonly #url: string;
  readonly #token: string | undefined;
  readonly #pending = new Map<string, Pending>();
  #socket: WebSocket | undefined;
  #opening: Promise<WebSocket> | undefined;

  constructor(url: string, token: string | undefined) {
    this.#url = url;
    this.#token = token;
  }

  get url(): string {
    return this.#url;
  }

  /** Submits one chunk; resolves with its result parts or rejects with the queue's error message (or an Error). */
  async submit(message: SubmitMessage, body: Uint8Array, events: ChunkEvents): Promise<ChunkReply> {
    const socket = await this.#open();
    const key = `${message.callId}#${message.chunk}`;
    return new Promise<ChunkReply>((resolve, reject) => {
      this.#pending.set(key, { ...events, resolve, reject });
      this.#updateRef();
      sendFrame(socket, encodeFrameParts(message, body));
    });
  }

  /** Asks the queue to drop a call's rows; the pending promises are settled by the caller. */
  cancel(callId: string, chunk?: number): void {
    for (const key of [...this.#pending.keys()]) {
      if (key.startsWith(`${callId}#`) && (chunk === undefined || key === `${callId}#${chunk}`)) this.#pending.delete(key);
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
      const socket = new WebSocket(this.#url, { ...socketOptions(this.#url), maxPayload: 1024 * 1024 * 1024 });
      socket.binaryType = "nodebuffer";
      let welcomed = false;
      socket.on("open", () => socket.send(encodeFrame({ type: "hello", protocolVersion: PROTOCOL_VERSION, role: "client", token: this.#token })));
      const reader = new FrameReader();
      socket.on("message", (data: Buffer) => {
        let frame: Frame | undefined;
        try {
          frame = reader.read(data);
        } catch (error) {
          return this.#failAll(new ConnectionError(ErrorCode.MalformedFrame, `the queue at ${this.#url} sent a malformed frame: ${(error as Error).message}`));
        }
        if (!frame) return;
        const header = frame.header;
        switch (header.type) {
          case "welcome":
            welcomed = true;
            this.#socket = socket;
            this.#updateRef();
            resolve(socket);
            return;
          case "accepted":
            return this.#pending.get(`${header.callId}#${header.chunk}`)?.onAccepted?.();
          case "progress":
            return this.#pending.get(`${header.callId}#${header.chunk}`)?.onProgress?.(header.state, header.attempts);
          case "result": {
            const key = `${header.callId}#${header.chunk}`;
            const pending = this.#pending.get(key);
            if (!pending) return; // cancelled meanwhile
            this.#pending.delete(key);
            this.#updateRef();
            return pending.resolve({ parts: bodyParts(frame, header.parts), attempts: header.attempts });
          }
          case "error": {
            if (header.callId === undefined) {
              const error = new ConnectionError(header.code as ErrorCode, `queue ${this.#url} refused the connection: ${header.message}`);
              if (!welcomed) reject(error);
              return this.#failAll(error);
            }
            const key = `${header.callId}#${header.chunk}`;
            const pending = this.#pending.get(key);
            if (!pending) return;
            this.#pending.delete(key);
            this.#updateRef();
            return pending.reject(header);
          }
        }
      });
      socket.on("error", (error) => {
        if (!welcomed) {
          reject(new ConnectionError(ErrorCode.NotConnected,
            `cannot reach the function queue at ${this.#url} (${error.message}); is \`chalknb queue\` running there?`, { retryable: true, cause: error }));
        }
      });
      socket.on("close", (code, reason) => {
        this.#opening = undefined;
        if (this.#socket === socket) this.#socket = undefined;
        const error = new ConnectionError(ErrorCode.ConnectionLost,
          `the connection to the function queue at ${this.#url} closed (${code}${reason.length ? `: ${reason}` : ""}) with chunks pending`, { retryable: true });
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

  #failAll(error: ChalknbError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }

  /** Keep the process alive only while results are awaited (ws exposes no public ref/unref). */
  #updateRef(): void {
    const raw = (this.#socket as unknown as { _socket?: { ref(): void; unref(): void } } | undefined)?._socket;
    if (!raw) return;
    if (this.#pending.size > 0) raw.ref();
    else raw.unref();
  }
}
