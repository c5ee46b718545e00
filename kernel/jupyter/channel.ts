import type * as zmq from "zeromq";
import { decodeMessage, encodeMessage, newHeader, type JupyterHeader, type JupyterMessage, type Signer, WireError } from "./wire.js";

/**
 * One Jupyter channel over one ZeroMQ socket: incoming messages are decoded and checked (a message whose signature
 * does not match is logged and dropped: it never reaches a handler), outgoing ones are signed and written at once
 * (see {@link Channel.send}); zeromq 6 allows one pending send per socket, so a backlog is written one at a time.
 */

type Frames = (Buffer | string)[];

export interface ChannelOptions {
  name: string;
  socket: zmq.Router | zmq.XPublisher;
  signer: Signer;
  session: string;
  /** Where dropped messages are reported (the kernel's real stderr, never a cell's output). */
  log(line: string): void;
}

export class Channel {
  readonly name: string;
  readonly #socket: zmq.Router | zmq.XPublisher;
  readonly #signer: Signer;
  readonly #session: string;
  readonly #log: (line: string) => void;
  readonly #queue: Frames[] = [];
  #writing = false;
  #drained: (() => void)[] = [];

  constructor(options: ChannelOptions) {
    this.name = options.name;
    this.#socket = options.socket;
    this.#signer = options.signer;
    this.#session = options.session;
    this.#log = options.log;
  }

  /** Calls `handle` for each well-signed message until the socket closes. */
  async serve(handle: (message: JupyterMessage) => void | Promise<void>): Promise<void> {
    const socket = this.#socket as zmq.Router;
    try {
      for await (const frames of socket) {
        let message: JupyterMessage;
        try {
          message = decodeMessage(frames, this.#signer);
        } catch (error) {
          if (!(error instanceof WireError)) throw error;
          this.#log(`chalknb jupyter: ${this.name}: dropped a message (${error.code}): ${error.message}`);
          continue;
        }
        await handle(message);
      }
    } catch (error) {
      // Closing the socket ends the loop with EAGAIN/ETERM-like errors: expected at shutdown.
      if (!this.#socket.closed) throw error;
    }
  }

  /**
   * Sends a message of `msgType`, child of `parent` (a request's header), to `prefix` (routing ids or iopub topic).
   * The socket has `sendTimeout: 0`, so a message goes out synchronously, here: output a cell writes just before it
   * blocks its thread in synchronous code still reaches the frontend. Only when the socket has no room (a subscriber
   * 100k messages behind) do messages wait, in order, in a backlog written as room comes.
   */
  send(prefix: readonly (Buffer | string)[], msgType: string, parent: Partial<JupyterHeader> | Record<string, never>, content: unknown, metadata?: Record<string, unknown>): void {
    const frames = encodeMessage(this.#signer, prefix, newHeader(msgType, this.#session), parent, content, metadata);
    if (this.#queue.length === 0 && !this.#writing && !this.#socket.closed && this.#socket.writable) {
      this.#socket.send(frames).catch((error: Error) => this.#failed(error));
      return;
    }
    this.#queue.push(frames);
    if (!this.#writing) void this.#pump();
  }

  /** Sends a reply to a request on this (ROUTER) channel. */
  reply(request: JupyterMessage, msgType: string, content: unknown, metadata?: Record<string, unknown>): void {
    this.send(request.idents, msgType, request.header, content, metadata);
  }

  /** Resolves once every queued message has been handed to ZeroMQ. */
  drained(): Promise<void> {
    if (!this.#writing && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  close(): void {
    if (!this.#socket.closed) this.#socket.close();
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    // Waiting for room is what this loop is for: sends here may take as long as they need.
    this.#socket.sendTimeout = -1;
    try {
      while (this.#queue.length > 0) {
        const frames = this.#queue.shift()!;
        try {
          await this.#socket.send(frames);
        } catch (error) {
          if (this.#socket.closed) break;
          this.#failed(error as Error);
        }
      }
    } finally {
      if (!this.#socket.closed) this.#socket.sendTimeout = 0;
      this.#writing = false;
      const waiting = this.#drained;
      this.#drained = [];
      for (const resolve of waiting) resolve();
    }
  }

  #failed(error: Error): void {
    if (!this.#socket.closed) this.#log(`chalknb jupyter: ${this.name}: send failed: ${error.message}`);
  }
}
