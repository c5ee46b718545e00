import type { RedisClient } from "./redis-connection.js";
import type { RedisKeys } from "./redis-keys.js";
import type { RedisScripts } from "./redis-scripts.js";

/** What a gateway that ran a batch tells the gateway holding the chunk's client. */
export type RouteMessage =
  | { t: "result"; k: string; o: number; n: number; a: number }
  | { t: "progress"; k: string; s: "running" | "retried"; a: number }
  | { t: "error"; k: string; code: string; message: string; a: number; retryable: boolean; rows?: number[] }
  /** Rows [o, o + n) of a `returnErrors` chunk failed for good (policy/bisection.ts). */
  | { t: "rowError"; k: string; o: number; n: number; code: string; message: string; a: number };

export interface ResultRouterOptions {
  gatewayId: string;
  keys: RedisKeys;
  scripts: RedisScripts;
  /** The non-blocking connection (XDEL after reading). */
  command: RedisClient;
  /** A connection of its own for the blocking XREAD. */
  reader: RedisClient;
  /** TTL of a result stream: a dead gateway's stream expires. */
  ttlMs: number;
  deliver(message: RouteMessage, body: Uint8Array): void;
  log(line: string): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Routes results, progress and errors to the gateway that holds the chunk's client: in-process when that is this
 * gateway, else through that gateway's result stream, which it reads with a blocking XREAD and deletes as it goes.
 */
export class ResultRouter {
  readonly #options: ResultRouterOptions;
  readonly #key: string;
  #closed = false;
  #loop: Promise<void> | undefined;

  constructor(options: ResultRouterOptions) {
    this.#options = options;
    this.#key = options.keys.results(options.gatewayId);
  }

  start(): void {
    this.#loop ??= this.#read();
  }

  /** Sends one message to `owner`; resolves once Redis has it (callers ack rows only after that). */
  send(owner: string, message: RouteMessage, body?: Uint8Array): Promise<unknown> {
    if (owner === this.#options.gatewayId) {
      this.#options.deliver(message, body ?? EMPTY);
      return Promise.resolve();
    }
    return this.#options.scripts.route(this.#options.keys.results(owner), this.#options.ttlMs, JSON.stringify(message), body ?? EMPTY);
  }

  /** Keeps this gateway's own result stream from expiring while it lives (called by the heartbeat). */
  touch(): Promise<unknown> {
    return this.#options.command.pexpire(this.#key, this.#options.ttlMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#options.reader.disconnect();
    await this.#loop?.catch(() => {});
    await this.#options.command.del(this.#key).catch(() => {});
  }

  async #read(): Promise<void> {
    let lastId = "0-0";
    while (!this.#closed) {
      let reply: unknown;
      try {
        reply = await this.#options.reader.xreadBuffer("COUNT", 512, "BLOCK", 1000, "STREAMS", this.#key, lastId);
      } catch (error) {
        if (this.#closed) return;
        this.#options.log(`result stream ${this.#key}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (!Array.isArray(reply) || reply.length === 0) continue;
      const entries = (reply[0] as [Buffer, Array<[Buffer, Buffer[]]>])[1];
      const ids: string[] = [];
      for (const [rawId, fields] of entries) {
        const id = String(rawId);
        ids.push(id);
        lastId = id;
        let message: RouteMessage | undefined;
        let body: Uint8Array = EMPTY;
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const name = String(fields[i]);
          if (name === "m") message = JSON.parse(String(fields[i + 1])) as RouteMessage;
          else if (name === "b") body = fields[i + 1];
        }
        if (!message) continue;
        try {
          this.#options.deliver(message, body);
        } catch (error) {
          this.#options.log(`result stream ${this.#key}: could not deliver a ${message.t} for ${message.k}: ${(error as Error).message}`);
        }
      }
      if (ids.length > 0) void this.#options.command.xdel(this.#key, ...ids).catch(() => {});
    }
  }
}
