import type { IncomingMessage, ServerResponse } from "node:http";
import { renderPrometheus } from "./metrics.js";
import type { QueueBackend } from "./backend.js";
import { tokenMatches } from "./auth.js";

/** `GET /v1/functions` (JSON) and `GET /metrics` (Prometheus text), beside the WebSocket on the same port. */
export function createHttpHandler(core: QueueBackend, token: string | undefined) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://queue");
    const bearer = request.headers.authorization?.replace(/^Bearer\s+/i, "");
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    if (!tokenMatches(token, bearer)) {
      return send(401, "application/json", JSON.stringify({ error: "unauthorized: send the queue token as 'Authorization: Bearer <token>'" }));
    }
    if (request.method !== "GET") return send(405, "application/json", JSON.stringify({ error: `${request.method} is not supported; use GET` }));
    if (url.pathname === "/v1/functions" || url.pathname === "/metrics") {
      // The Redis backend reads queue depths and other gateways' workers from Redis first.
      try {
        await core.refresh?.();
      } catch {
        // serve what is known
      }
    }
    if (url.pathname === "/v1/functions") {
      return send(200, "application/json", JSON.stringify({ functions: core.functions(), workers: core.workerCount() }));
    }
    if (url.pathname === "/metrics") return send(200, "text/plain; version=0.0.4", renderPrometheus(core.metrics()));
    if (url.pathname === "/healthz") return send(200, "text/plain", "ok\n");
    send(404, "application/json", JSON.stringify({ error: `no route ${url.pathname}; try /v1/functions or /metrics` }));
  };
}
