import { parseArgs } from "node:util";
import { loadFunctionFiles } from "./function-loader.js";
import { QueuePaths, type DeployRequest, type DeployResponse } from "../protocol/queue-api.js";

/**
 * `chalknb deploy <functions.ts...> [--queue url] [--token t]`: registers the files' functions on the queue without
 * serving them, so their calls wait for a worker (scale from zero). The files load exactly as `chalknb worker` loads
 * them (function-loader.ts), and the specs sent are the ones a worker's hello declares.
 */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { queue: { type: "string" }, token: { type: "string" } } });
  if (positionals.length === 0) {
    process.stderr.write("usage: chalknb deploy <functions.ts...> [--queue ws://127.0.0.1:7777] [--token t]\n");
    return 2;
  }
  const url = values.queue ?? process.env.CHALKNB_QUEUE_URL ?? "ws://127.0.0.1:7777";
  const token = values.token ?? process.env.CHALKNB_TOKEN;
  const definitions = await loadFunctionFiles(positionals);
  const body: DeployRequest = { functions: definitions.map((d) => d.spec) };
  const target = `${url.replace(/^ws(s?):\/\//, "http$1://").replace(/\/+$/, "")}${QueuePaths.functions}`;
  let response: Response;
  try {
    response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    process.stderr.write(`chalknb deploy: cannot reach the queue at ${target} (${(error as Error).cause ?? (error as Error).message}); is \`chalknb queue\` running there (--queue)?\n`);
    return 1;
  }
  const text = await response.text();
  if (response.status !== 200) {
    let reason = text;
    try {
      reason = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: show it as it came
    }
    const hint = response.status === 401 ? " (pass the queue's token with --token or CHALKNB_TOKEN)" : "";
    process.stderr.write(`chalknb deploy: the queue refused (${response.status}): ${reason}${hint}\n`);
    return 1;
  }
  const { deployed } = JSON.parse(text) as DeployResponse;
  process.stderr.write(`deployed ${deployed.join(", ")} on ${url}: calls wait for a worker (up to the queue's --max-buffered-rows)\n`);
  return 0;
}
