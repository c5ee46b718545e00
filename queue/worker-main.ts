import { parseArgs } from "node:util";
import { startWorker } from "./worker.js";

/** `chalknb worker <functions.ts...> [--queue url] [--token t] [--concurrency n]` */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { queue: { type: "string" }, token: { type: "string" }, concurrency: { type: "string" }, name: { type: "string" } },
  });
  if (positionals.length === 0) {
    process.stderr.write("usage: chalknb worker <functions.ts...> [--queue ws://127.0.0.1:7777] [--token t] [--concurrency 2]\n");
    return 2;
  }
  const url = values.queue ?? process.env.CHALKNB_QUEUE_URL ?? "ws://127.0.0.1:7777";
  const worker = await startWorker({
    url,
    token: values.token ?? process.env.CHALKNB_TOKEN,
    functions: positionals,
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    name: values.name,
    log: (line) => process.stderr.write(line + "\n"),
  });
  await worker.ready;
  process.stderr.write(`worker serving ${worker.functions.join(", ")} on ${url}\n`);
  const shutdown = () => void worker.close().then(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.on("disconnect", shutdown);
  return new Promise<number>(() => {});
}

