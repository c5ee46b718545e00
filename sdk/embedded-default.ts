import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";

interface Embedded {
  url: string;
  httpUrl: string;
  /** The embedded queue's random token (it listens on loopback only, and still wants one). */
  token: string;
  child: ChildProcess;
}

const running = new Map<string, Promise<Embedded>>();

/**
 * The function files the embedded default serves: `*.ts` / `*.js` in `CHALKNB_FUNCTIONS_DIR` (the VS Code setting
 * `chalknb.functionsFolder` sets it) or else `./functions` of the working directory.
 */
export function defaultFunctionFiles(cwd = process.cwd()): string[] {
  const folder = resolve(cwd, process.env.CHALKNB_FUNCTIONS_DIR || "functions");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith(".d.ts") && !/\.test\./.test(name))
    .sort()
    .map((name) => join(folder, name));
}

/**
 * Starts (once per set of files) a loopback queue and its workers in a child process, and resolves with its URL.
 * The child is unref'd: it never keeps this process alive, and it exits when this process does.
 */
export function ensureEmbedded(files: readonly string[]): Promise<Embedded> {
  const absolute = files.map((f) => resolve(f)).sort();
  if (absolute.length === 0) {
    return Promise.reject(new ChalknbError(ErrorCode.NotConnected,
      `no function queue configured and no function files found in ${resolve(process.cwd(), process.env.CHALKNB_FUNCTIONS_DIR || "functions")}: ` +
      "set CHALKNB_QUEUE_URL, pass new Remote({ url }), or put defineFunction files in ./functions (or pass { functions: [paths] })"));
  }
  const key = absolute.join("\n");
  let embedded = running.get(key);
  if (!embedded) {
    embedded = start(absolute);
    running.set(key, embedded);
    embedded.catch(() => running.delete(key));
  }
  return embedded;
}

/** Stops every embedded queue this process started. */
export async function shutdownEmbedded(): Promise<void> {
  const all = [...running.values()];
  running.clear();
  await Promise.all(all.map(async (p) => {
    const embedded = await p.catch(() => undefined);
    if (!embedded || embedded.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      embedded.child.once("exit", () => resolve());
      embedded.child.kill("SIGTERM");
    });
  }));
}

function start(files: string[]): Promise<Embedded> {
  const entry = process.env.CHALKNB_EMBEDDED_ENTRY ?? fileURLToPath(new URL("../queue/embedded-main.js", import.meta.url));
  const child = fork(entry, files, { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  return new Promise<Embedded>((resolvePromise, reject) => {
    const fail = (why: string) =>
      reject(new ChalknbError(ErrorCode.NotConnected, `the embedded function queue for ${files.join(", ")} did not start: ${why}${stderr ? `\n${stderr.trim()}` : ""}`));
    child.on("message", (message: { type: string; url?: string; httpUrl?: string; token?: string; message?: string; stderr?: string }) => {
      if (message.type === "ready") {
        child.unref();
        child.channel?.unref();
        (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
        resolvePromise({ url: message.url!, httpUrl: message.httpUrl!, token: message.token!, child });
      } else if (message.type === "error") fail(message.message ?? "unknown error");
      else if (message.type === "worker-exit" && message.stderr) stderr = message.stderr;
    });
    child.on("exit", (code, signal) => fail(`its process exited (${signal ?? code})`));
    child.on("error", (error) => fail(error.message));
  });
}
