import type { IncomingMessage, ServerResponse } from "node:http";
import { renderPrometheus } from "./metrics.js";
import type { QueueBackend } from "./backend.js";
import { tokenMatches } from "./auth.js";
import { echoed } from "../protocol/function-name.js";
import { QueuePaths, type CallsResponse, type FunctionsResponse } from "../protocol/queue-api.js";
import type { CallRunner } from "./calls/call-runner.js";
import type { ChalknbError } from "../protocol/errors.js";
import { deployFunctions } from "./deploy-route.js";

/**
 * `GET /v1/functions` (JSON), `GET /metrics` (Prometheus text) and `GET /healthz`, beside the WebSocket on the same
 * port. Nothing a request carries may end the queue (issue 9: `GET //` was an unhandled rejection that did): the
 * token is checked before anything else is read, the request target is read without `new URL`, and whatever the
 * handler still throws becomes a 500 and a log line.
 */
export function createHttpHandler(core: QueueBackend, token: string | undefined, log: (line: string) => void = defaultLog, calls?: CallRunner) {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    const sendError = (status: number, error: string) => send(status, "application/json", JSON.stringify({ error }));
    const bearer = request.headers.authorization?.replace(/^Bearer\s+/i, "");
    if (!tokenMatches(token, bearer)) return sendError(401, "unauthorized: send the queue token as 'Authorization: Bearer <token>'");
    const path = requestPath(request.url);
    if (path === undefined) {
      return sendError(400, `bad request target ${echoed(request.url ?? "")}: expected a path such as /v1/functions, /metrics or /healthz`);
    }
    const cancel = calls ? /^\/v1\/calls\/([^/]+)\/cancel$/.exec(path) : null;
    if (cancel && calls) {
      if (request.method !== "POST") return sendError(405, `${echoed(request.method ?? "")} is not supported; use POST to cancel a call`);
      let id: string;
      try {
        id = decodeURIComponent(cancel[1]);
      } catch {
        return sendError(400, "the call id in the path is not valid percent-encoding");
      }
      try {
        return send(200, "application/json", JSON.stringify(await calls.cancel(id)));
      } catch (error) {
        const code = (error as ChalknbError).code;
        return send(code === "CHALKNB_UNKNOWN_CALL" ? 404 : 409, "application/json", JSON.stringify({ error: (error as Error).message, code }));
      }
    }
    if (path === QueuePaths.functions && request.method === "POST") return deployFunctions(core, request, send, sendError);
    if (request.method !== "GET") return sendError(405, `${echoed(request.method ?? "")} is not supported; use GET`);
    if (path === QueuePaths.calls && calls) {
      const body: CallsResponse = { calls: await calls.list() };
      return send(200, "application/json", JSON.stringify(body));
    }
    if (path === QueuePaths.functions || path === QueuePaths.metrics) {
      // The Redis backend reads queue depths and other gateways' workers from Redis first.
      try {
        await core.refresh?.();
      } catch {
        // serve what is known
      }
    }
    if (path === QueuePaths.functions) {
      const body: FunctionsResponse = { functions: core.functions(), workers: core.workerCount(), workerList: core.workerList?.() ?? [] };
      return send(200, "application/json", JSON.stringify(body));
    }
    if (path === QueuePaths.metrics) return send(200, "text/plain; version=0.0.4", renderPrometheus(core.metrics()));
    if (path === QueuePaths.health) return send(200, "text/plain", "ok\n");
    sendError(404, `no route ${echoed(path)}; try /v1/functions, /v1/calls, /metrics or /healthz`);
  };
  return (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      log(`chalknb queue: HTTP ${request.method} ${echoed(request.url ?? "")} failed: ${(error as Error)?.stack ?? String(error)}`);
      if (response.headersSent) return void response.destroy();
      response.writeHead(500, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify({ error: "internal error; the queue logged it" }));
    });
  };
}

/**
 * The path of an origin-form request target (`/metrics?x=1` → `/metrics`), or undefined for anything else: an
 * absolute URL, `*`, or a target starting `//` (which `new URL(target, base)` reads as a host and may throw on).
 */
function requestPath(target: string | undefined): string | undefined {
  if (!target || target[0] !== "/" || target[1] === "/" || target[1] === "\\") return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}
