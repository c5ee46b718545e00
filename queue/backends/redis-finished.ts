import type { RedisClient } from "./redis-connection.js";

export interface FinishedChunksOptions {
  channel: string;
  /** A connection in subscriber mode. */
  subscriber: RedisClient;
  /** The non-blocking connection, for PUBLISH. */
  command: RedisClient;
  /** How long a finished key is remembered. @default 10 minutes */
  rememberMs?: number;
  /** Another gateway finished these chunks: drop their held rows. */
  onRemoteFinished(keys: string[]): void;
  log(line: string): void;
}

/**
 * Chunks known to be finished (done, failed, timed out, cancelled, or their client gone), so a gateway holding some of
 * their rows drops them instead of running them, and discards late results. Owners announce them over pub/sub;
 * a gateway that missed a message still gets it right, only later: the owner discards what it no longer wants.
 */
export class FinishedChunks {
  readonly #options: FinishedChunksOptions;
  readonly #keys = new Map<string, number>();

  constructor(options: FinishedChunksOptions) {
    this.#options = options;
    options.subscriber.on("message", (channel: string, text: string) => {
      if (channel !== options.channel) return;
      let keys: unknown;
      try {
        keys = JSON.parse(text);
      } catch {
        return;
      }
      if (!Array.isArray(keys)) return;
      const fresh = keys.filter((k): k is string => typeof k === "string" && !this.#keys.has(k));
      this.#remember(fresh);
      if (fresh.length > 0) options.onRemoteFinished(fresh);
    });
  }

  async start(): Promise<void> {
    await this.#options.subscriber.subscribe(this.#options.channel);
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Marks chunks finished here and tells the other gateways. */
  announce(keys: string[]): void {
    if (keys.length === 0) return;
    this.#remember(keys);
    this.#options.command.publish(this.#options.channel, JSON.stringify(keys)).catch((error: Error) =>
      this.#options.log(`could not announce ${keys.length} finished chunks: ${error.message}`));
  }

  prune(): void {
    const now = Date.now();
    for (const [key, expires] of this.#keys) {
      if (expires > now) break; // insertion order is expiry order
      this.#keys.delete(key);
    }
  }

  close(): void {
    this.#options.subscriber.disconnect();
  }

  #remember(keys: string[]): void {
    const expires = Date.now() + (this.#options.rememberMs ?? 10 * 60_000);
    for (const key of keys) {
      this.#keys.delete(key);
      this.#keys.set(key, expires);
    }
  }
}
