import type { IncomingMessage } from "node:http";
import type { QueueBackend } from "./backend.js";
import { validateWorkerFunctions } from "./message-validation.js";
import { ErrorCode } from "../protocol/errors.js";
import type { DeployResponse } from "../protocol/queue-api.js";

/** Largest deploy body read: specs are small, and an unbounded read is a way to exhaust the queue's memory. */
const MAX_DEPLOY_BYTES = 1 << 20;

/**
 * `POST /v1/functions` (`chalknb deploy`): registers specs so calls wait for a worker. The caller has already passed
 * the token check in http-api.ts, so the queue never buffers rows for a function an unauthenticated peer declared.
 * The specs are checked exactly as a worker's hello is (message-validation.ts).
 */
export async function deployFunctions(
  core: QueueBackend,
  request: IncomingMessage,
  send: (status: number, type: string, body: string) => void,
  sendError: (status: number, error: string) => void,
): Promise<void> {
  if (!core.deploy) return sendError(501, "this queue's backend cannot deploy functions; start a worker that serves them instead");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_DEPLOY_BYTES) return sendError(413, `deploy body over ${MAX_DEPLOY_BYTES} bytes; deploy fewer functions at a time`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return sendError(400, 'the deploy body is not JSON; send {"functions": [spec, ...]} as chalknb deploy does');
  }
  try {
    const specs = validateWorkerFunctions((body as { functions?: unknown } | null)?.functions);
    if (specs.length === 0) return sendError(400, "the deploy body lists no functions");
    await core.deploy(specs);
    const answer: DeployResponse = { deployed: specs.map((s) => s.name) };
    return send(200, "application/json", JSON.stringify(answer));
  } catch (error) {
    // A spec that differs from the one live workers serve is a conflict; anything else is a malformed spec.
    const code = (error as { code?: string }).code;
    return send(code === ErrorCode.InvalidArgument ? 409 : 400, "application/json", JSON.stringify({ error: (error as Error).message, code }));
  }
}
