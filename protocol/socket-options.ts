/**
 * Client socket options shared by workers and the SDK.
 *
 * RFC 6455 masks client frames so that script in a browser cannot forge bytes that a caching proxy between it and
 * the server would misread. Our clients are Node processes, and on loopback no proxy sits in between, so there an
 * all-zero mask is used: ws then skips masking on send and unmasking on receipt — two full passes over every
 * result (8 MB per 4096 embeddings). Any other host keeps random masks.
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function socketOptions(url: string): { perMessageDeflate: false; generateMask?: (mask: Uint8Array) => void } {
  let host = "";
  try {
    host = new URL(url).hostname;
  } catch {
    return { perMessageDeflate: false };
  }
  const loopback = LOOPBACK_HOSTS.has(host) || host.startsWith("127.");
  return loopback ? { perMessageDeflate: false, generateMask: (mask) => mask.fill(0) } : { perMessageDeflate: false };
}
