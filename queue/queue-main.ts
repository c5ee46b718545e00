import { parseArgs } from "node:util";
import { startQueue } from "./queue-server.js";

/** `chalknb queue [--host 127.0.0.1] [--port N] [--token t] [--max-buffered-rows N]` */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" }, port: { type: "string" }, token: { type: "string" },
      backend: { type: "string" }, "redis-url": { type: "string" }, "max-buffered-rows": { type: "string" },
    },
  });
  if (values.backend && values.backend !== "memory") {
    process.stderr.write(`--backend ${values.backend} is not available in this build; use --backend memory\n`);
    return 2;
  }
  const queue = await startQueue({
    host: values.host ?? "127.0.0.1",
    port: values.port ? Number(values.port) : 7777,
    token: values.token ?? process.env.CHALKNB_TOKEN,
    maxBufferedRows: values["max-buffered-rows"] ? Number(values["max-buffered-rows"]) : undefined,
  });
  process.stdout.write(`${queue.url}\n`);
  process.stderr.write(`chalknb queue listening on ${queue.url} (HTTP: ${queue.httpUrl}/v1/functions, ${queue.httpUrl}/metrics)\n`);
  const shutdown = () => void queue.close().then(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  return new Promise<number>(() => {});
}
