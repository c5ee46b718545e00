import { InvalidArgumentError } from "../protocol/errors.js";

/**
 * The client's own deadlines. The queue enforces a chunk's timeout, but only while it answers: a stopped or
 * unreachable queue must not leave a call waiting forever (issue 9, defect 7). All values are seconds.
 */
export interface ConnectionOptions {
  /** Most seconds from opening the socket to the queue's `welcome`. @default 10 */
  connectTimeout?: number;
  /**
   * Seconds between WebSocket pings; a peer that sends nothing (no pong, no data) for two intervals in a row is
   * taken as dead and every pending chunk fails with CHALKNB_CONNECTION_LOST. `0` turns pings off. @default 15
   */
  heartbeatInterval?: number;
  /**
   * Extra seconds a chunk with a `timeout` waits for the queue's own timeout error before the SDK fails the chunk
   * itself (the queue's message says more: rows done, workers connected). @default 2
   */
  timeoutMargin?: number;
  /** Where the SDK reports a reply it had to drop (a frame it cannot read or route). @default console.warn */
  onWarning?: (message: string) => void;
}

/** The options with their defaults applied, in milliseconds. */
export interface ConnectionLimits {
  connectTimeoutMs: number;
  heartbeatIntervalMs: number;
  timeoutMarginMs: number;
  warn: (message: string) => void;
}

export const DEFAULT_CONNECT_TIMEOUT_S = 10;
export const DEFAULT_HEARTBEAT_INTERVAL_S = 15;
export const DEFAULT_TIMEOUT_MARGIN_S = 2;

/** Validates the options (a clear error naming the bad one) and applies the defaults. */
export function connectionLimits(options: ConnectionOptions = {}): ConnectionLimits {
  const onWarning = options.onWarning;
  if (onWarning !== undefined && typeof onWarning !== "function") {
    throw new InvalidArgumentError(`new Remote({ onWarning }): expected a function, got ${typeof onWarning}`);
  }
  return {
    connectTimeoutMs: seconds("connectTimeout", options.connectTimeout, DEFAULT_CONNECT_TIMEOUT_S, false) * 1000,
    heartbeatIntervalMs: seconds("heartbeatInterval", options.heartbeatInterval, DEFAULT_HEARTBEAT_INTERVAL_S, true) * 1000,
    timeoutMarginMs: seconds("timeoutMargin", options.timeoutMargin, DEFAULT_TIMEOUT_MARGIN_S, true) * 1000,
    warn: onWarning ?? ((message) => console.warn(message)),
  };
}

function seconds(name: string, value: unknown, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback;
  const ok = typeof value === "number" && Number.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0) && value <= MAX_SECONDS;
  if (!ok) {
    throw new InvalidArgumentError(
      `new Remote({ ${name} }): expected seconds ${zeroAllowed ? ">= 0" : "> 0"} and at most ${MAX_SECONDS}, got ${JSON.stringify(value) ?? String(value)}` +
      ` (default ${fallback})`);
  }
  return value;
}

/** setTimeout's ceiling (about 24.8 days), in seconds. */
const MAX_SECONDS = 2_147_483;
