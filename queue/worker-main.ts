import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { startWorker } from "./worker.js";
import { runGpuWorkers, selectGpus } from "./gpu-workers.js";

/** `chalknb worker <functions.ts...> [--queue url] [--token t] [--concurrency n] [--gpus all|0,2]` */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { queue: { type: "string" }, token: { type: "string" }, concurrency: { type: "string" }, name: { type: "string" }, gpus: { type: "string" } },
  });
  if (positionals.length === 0) {
    process.stderr.write("usage: chalknb worker <functions.ts...> [--queue ws://127.0.0.1:7777] [--token t] [--concurrency 2] [--gpus all|0,2]\n");
    return 2;
  }
  if (values.gpus !== undefined) {
    // One child worker per GPU (queue/gpu-workers.ts); they take every other option as given.
    const gpus = selectGpus(values.gpus);
    const childArgv = argvWithout(argv, ["--gpus", "--name"]);
    return runGpuWorkers({ argv: childArgv, gpus, name: values.name ?? `${hostname()}:${process.pid}`, log: (line) => process.stderr.write(`${line}\n`) });
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
  const unmet = [...worker.unmet.keys()];
  process.stderr.write(`worker serving ${worker.functions.join(", ") || "nothing"}${unmet.length ? ` (not ${unmet.join(", ")}: see above)` : ""} on ${url}\n`);
  const shutdown = () => void worker.close().then(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.on("disconnect", shutdown);
  return new Promise<number>(() => {});
}

/** The arguments without the named options and their values (`--gpus all` and `--gpus=all` alike). */
function argvWithout(argv: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (names.includes(argv[i])) i += 1;
    else if (!names.some((n) => argv[i].startsWith(`${n}=`))) out.push(argv[i]);
  }
  return out;
}
