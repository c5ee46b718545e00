import { createHash, timingSafeEqual } from "node:crypto";

/** Constant-time token check: both sides are hashed first so their lengths never leak through timing. */
export function tokenMatches(expected: string | undefined, given: unknown): boolean {
  if (expected === undefined || expected === "") return true;
  if (typeof given !== "string") return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith("127.");
}
