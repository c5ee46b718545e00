import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startQueue } from "./queue-server.js";
import { guardQueueProcess } from "./process-guard.js";

/**
 * The embedded default, run as a child of the process that said `new Remote()`: a loopback queue plus worker
 * processes for the given function files. It reports `{type:"ready", url, token}` over IPC and exits when its parent
 * does. The queue gets a random token even on loopback: otherwise any local user could register a worker for
 * "embed" and be handed this user's rows.
 * Workers are processes of their own so a model's CPU work never stalls the queue's event loop.
 */
async function main(): Promise<void> {
  guardQueueProcess("chalknb embedded queue");
  const files = process.argv.slice(2);
  const workerCount = Math.max(1, Number(process.env.CHALKNB_WORKERS) || 1);
  const token = randomBytes(24).toString("base64url");
  const queue = await startQueue({ host: "127.0.0.1", port: 0, token });
  const workerMain = fileURLToPath(new URL("./worker-process.js", import.meta.url));
  const workers: ChildProcess[] = [];
  let joined = 0;
  let stopping = false;
  queue.core.on("worker-joined", () => {
    joined += 1;
    if (joined === workerCount) process.send?.({ type: "ready", url: queue.url, httpUrl: queue.httpUrl, token, workers: workerCount });
  });
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const worker of workers) worker.kill();
    await queue.close();
    process.exit(code);
  };
  for (let i = 0; i < workerCount; i++) {
    // The token goes by environment, not argv, so it never shows in `ps`.
    const worker = fork(workerMain, [...files, "--queue", queue.url], {
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      env: { ...process.env, CHALKNB_TOKEN: token },
    });
    let stderr = "";
    worker.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
      process.stderr.write(chunk);
    });
    worker.on("exit", (code, signal) => {
      if (stopping) return;
      process.send?.({ type: "worker-exit", code, signal, stderr });
      if (joined < workerCount) void stop(1);
    });
    workers.push(worker);
  }
  process.on("disconnect", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
}

main().catch((error) => {
  process.send?.({ type: "error", message: (error as Error).stack ?? String(error) });
  process.exit(1);
});
