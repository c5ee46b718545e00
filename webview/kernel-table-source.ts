/**
 * A table that stays in the kernel, seen from the renderer: ask for row windows, sorted or filtered views and
 * inspector computations by op name. Requests travel as {@link KernelRequestMessage} over the renderer's messaging
 * (the extension relays them to the notebook's kernel); replies come back as {@link KernelReplyMessage}.
 */
import type { KernelReplyMessage, KernelRequestMessage } from "../protocol/renderer-messages.js";
import type { RendererContext } from "./renderer-api.js";

export interface KernelTableSource {
  readonly handle: string;
  readonly numRows: number;
  request<T = unknown>(op: string, args?: unknown): Promise<{ result: T; ipc?: Uint8Array }>;
}

/** A failed request: the kernel's (or the relay's) code and message. */
export class KernelRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "KernelRequestError";
  }
}

interface Pending {
  resolve(value: { result: unknown; ipc?: Uint8Array }): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Without an answer in this time a request fails (an extension that cannot relay, a webview whose messages are lost),
 * so the grid says so instead of waiting forever. Sort and filter of a million rows take well under it.
 */
const REPLY_TIMEOUT_MS = 60_000;

let nextRequest = 0;

export class MessagingTableSource implements KernelTableSource {
  readonly #pending = new Map<string, Pending>();
  readonly #subscription: { dispose(): void } | undefined;
  readonly #post: (message: unknown) => void;

  constructor(
    ctx: Pick<RendererContext, "postMessage" | "onDidReceiveMessage">,
    readonly outputId: string,
    readonly handle: string,
    readonly numRows: number,
  ) {
    if (!ctx.postMessage || !ctx.onDidReceiveMessage) throw new Error("this renderer has no messaging: a lazy table needs it");
    this.#post = ctx.postMessage;
    this.#subscription = ctx.onDidReceiveMessage((m) => this.#onMessage(m));
  }

  /** True when the renderer context can carry requests (VS Code gives messaging only to renderers that ask for it). */
  static available(ctx: Pick<RendererContext, "postMessage" | "onDidReceiveMessage">): boolean {
    return typeof ctx.postMessage === "function" && typeof ctx.onDidReceiveMessage === "function";
  }

  request<T = unknown>(op: string, args?: unknown): Promise<{ result: T; ipc?: Uint8Array }> {
    const requestId = `r${++nextRequest}-${Math.random().toString(36).slice(2, 8)}`;
    const message: KernelRequestMessage = { type: "chalknb.kernelRequest", requestId, outputId: this.outputId, handle: this.handle, op, args };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new KernelRequestError("CHALKNB_NO_REPLY", `no answer from the kernel to "${op}" within ${REPLY_TIMEOUT_MS / 1000} s`));
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(requestId, { resolve: resolve as Pending["resolve"], reject, timer });
      this.#post(message);
    });
  }

  dispose(): void {
    this.#subscription?.dispose();
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new KernelRequestError("CHALKNB_DISPOSED", "the output was removed"));
      this.#pending.delete(id);
    }
  }

  #onMessage(m: unknown): void {
    const reply = m as KernelReplyMessage;
    if (reply?.type !== "chalknb.kernelReply") return;
    const p = this.#pending.get(reply.requestId);
    if (!p) return;
    this.#pending.delete(reply.requestId);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve({ result: reply.result, ipc: reply.ipc !== undefined ? base64ToBytes(reply.ipc) : undefined });
    else p.reject(new KernelRequestError(reply.code, reply.message));
  }
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
