import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

/** The repository root (this file runs from dist/test/redis/). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = `${ROOT}bin/chalknb.js`;

/** A `chalknb` child process whose stderr lines are kept, so a test can wait for one. */
export class ChalknbProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly #waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        this.lines.push(line);
        for (const waiter of [...this.#waiters]) {
          if (!waiter.pattern.test(line)) continue;
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      });
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first line (already seen or to come) matching `pattern`; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms = 20_000): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms; output:\n${this.lines.slice(-20).join("\n")}`)), ms);
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`process exited (${code ?? signal}) before a line matching ${pattern}; output:\n${this.lines.slice(-20).join("\n")}`));
      this.child.once("exit", onExit);
      this.#waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          this.child.off("exit", onExit);
          resolve(line);
        },
      });
    });
  }

  /** SIGKILL: no goodbye to the queue, as when a machine dies. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill(signal);
    await exited;
  }
}

/** `chalknb queue --backend redis` on a free port; resolves once it prints its ws:// URL. */
export async function startGatewayProcess(redisUrl: string, prefix: string): Promise<{ process: ChalknbProcess; url: string }> {
  const gateway = new ChalknbProcess(["queue", "--backend", "redis", "--redis-url", redisUrl, "--redis-prefix", prefix, "--claim-idle-ms", "1000", "--port", "0"]);
  const url = await gateway.waitFor(/^ws:\/\//);
  return { process: gateway, url };
}

/** `chalknb worker` for the given function files; resolves once the queue has welcomed it. */
export async function startWorkerProcess(queueUrl: string, files: string[], env: NodeJS.ProcessEnv = {}): Promise<ChalknbProcess> {
  const worker = new ChalknbProcess(["worker", ...files.map((f) => `${ROOT}${f}`), "--queue", queueUrl, "--concurrency", "1"], env);
  await worker.waitFor(/^worker serving /);
  return worker;
}
