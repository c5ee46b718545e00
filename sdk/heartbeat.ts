import { WebSocket } from "ws";

/**
 * Detects a dead peer on an open socket: a ping every `intervalMs`; when two pings in a row went unanswered (no pong
 * and no other byte from the peer), `onDead` is called once. A stopped process (SIGSTOP) or a host that vanished
 * without a FIN keeps a TCP socket "open" forever, so without this a pending call would never learn it is lost.
 *
 * Any byte from the peer counts as an answer: a pong can queue behind a large result on a slow link, and a peer
 * that is sending us data is alive.
 */
export class Heartbeat {
  readonly #socket: WebSocket;
  readonly #onDead: (silentMs: number) => void;
  readonly #intervalMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #alive = () => (this.#unanswered = 0);
  #unanswered = 0;

  /** Pings this many times without an answer before the peer is dead. */
  static readonly MISSED_PINGS = 2;

  constructor(socket: WebSocket, intervalMs: number, onDead: (silentMs: number) => void) {
    this.#socket = socket;
    this.#intervalMs = intervalMs;
    this.#onDead = onDead;
    socket.on("pong", this.#alive);
    socket.on("message", this.#alive);
    rawSocket(socket)?.on("data", this.#alive);
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    // Pinging must never keep a finished script alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#socket.off("pong", this.#alive);
    this.#socket.off("message", this.#alive);
    rawSocket(this.#socket)?.off("data", this.#alive);
  }

  #tick(): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return this.stop();
    if (this.#unanswered >= Heartbeat.MISSED_PINGS) {
      this.stop();
      return this.#onDead(this.#unanswered * this.#intervalMs);
    }
    this.#unanswered += 1;
    this.#socket.ping();
  }
}

/** ws keeps the net.Socket private; reading it is the only way to see bytes before a whole message has arrived. */
function rawSocket(socket: WebSocket): { on(event: "data", fn: () => void): void; off(event: "data", fn: () => void): void } | undefined {
  return (socket as unknown as { _socket?: { on(event: "data", fn: () => void): void; off(event: "data", fn: () => void): void } })._socket;
}
