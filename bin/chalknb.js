#!/usr/bin/env node
// The `chalknb` command: each subcommand lives in its own module under dist/ and exports main(argv) → exit code.
import { existsSync } from "node:fs";

const commands = {
  queue: "../dist/queue/queue-main.js",
  worker: "../dist/queue/worker-main.js",
  deploy: "../dist/queue/deploy-main.js",
  run: "../dist/kernel/cli/run.js",
  export: "../dist/kernel/cli/export.js",
  import: "../dist/kernel/cli/import.js",
  jupyter: "../dist/kernel/cli/jupyter.js",
};

const [command, ...argv] = process.argv.slice(2);
if (!command || command === "--help" || command === "-h" || !(command in commands)) {
  process.stderr.write(
    [
      "usage: chalknb <command> [options]",
      "  run <nb.chalknb> [--out file] [--queue url] [--token t] [--timeout s]   execute a notebook headless",
      "        [--max-memory MiB] [--max-output-bytes n] [--max-saved-output-bytes n]",
      "  queue [--host 127.0.0.1] [--port 7777] [--token t] [--max-buffered-rows n]",
      "        [--batch-deadline-ms ms] [--result-ttl 1h] [--result-max-bytes n]   (spawned calls' results)",
      "        [--backend memory|redis] [--redis-url redis://h:p[,redis://h2:p2...]] [--redis-cluster]",
      "        [--redis-prefix p] [--claim-idle-ms ms]",
      "                                                                         start a function queue (gateway)",
      "  worker <functions.ts...> [--queue url] [--token t] [--concurrency n]   serve functions to a queue",
      "        [--gpus all|0,2]                                                 one worker process per GPU",
      "  deploy <functions.ts...> [--queue url] [--token t]                    register functions without a worker:",
      "                                                                         their calls wait until one connects",
      "  export <nb.chalknb> --to ipynb [--out file]                            convert for Jupyter",
      "  import <notebook.ipynb> [--out file] [--force]                         convert a TypeScript/JavaScript .ipynb",
      "  jupyter install [--user | --sys-prefix | --prefix DIR] [--name NAME]   add the kernel to Jupyter (uninstall: same)",
      "  jupyter kernel --connection-file F                                     run as a Jupyter kernel (the kernelspec does)",
      "",
    ].join("\n"),
  );
  process.exit(command && command !== "--help" && command !== "-h" ? 2 : 0);
}
const modulePath = new URL(commands[command], import.meta.url);
if (!existsSync(modulePath)) {
  process.stderr.write(`chalknb ${command}: ${modulePath.pathname} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
const { main } = await import(modulePath.href);
try {
  const code = await main(argv);
  if (typeof code === "number") process.exitCode = code;
} catch (error) {
  process.stderr.write(`chalknb ${command}: ${error?.message ?? error}\n`);
  process.exitCode = 1;
}
