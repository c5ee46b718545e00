import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { KernelMessage, KernelRequest } from "../messages.js";
import type { ExitInfo, KernelStartOptions } from "./types.js";

/** What a {@link KernelProcess} reports to its owner. */
export interface KernelProcessListener {
  /** Every message of the kernel (of an earlier process too, while it winds down). */
  message(message: KernelMessage): void;
  /** Output that bypassed the kernel's console capture (native code, inherited child processes). */
  rawOutput(name: "stdout" | "stderr", text: string): void;
  /** The current process said it is ready. */
  ready(): void;
  /** The current process exited; `stderr` is the end of what it wrote there, for error messages. */
  exit(info: ExitInfo, stderr: string): void;
}

/** The stages of one {@link KernelProcess.restart}, in order. */
export interface RestartSteps {
  /** Earlier restarts are over; this one begins. */
  begin(): void;
  /** The old process is gone and the new one not started yet. */
  stopped(): void;
  /** The restart failed; called before requests waiting for it go on. */
  failed(): void;
}

const defaultKernelPath = (): string => fileURLToPath(new URL("../main.js", import.meta.url));

/**
 * The kernel's child process: started with an IPC channel, stopped gracefully then by force, restarted one restart at
 * a time. Knows nothing of cells or requests.
 */
export class KernelProcess {
  readonly #options: KernelStartOptions;
  readonly #listener: KernelProcessListener;
  readonly #nextId: () => string;
  #child: ChildProcess | undefined;
  #expectExit = false;
  #stderrTail = "";
  /** Settles when the restart in progress (if any) is over: requests wait for it instead of reaching a dying process. */
  #settled: Promise<void> = Promise.resolve();

  constructor(options: KernelStartOptions, listener: KernelProcessListener, nextId: () => string) {
    this.#options = options;
    this.#listener = listener;
    this.#nextId = nextId;
  }

  get started(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves once no restart is under way. */
  settled(): Promise<void> {
    return this.#settled;
  }

  send(message: KernelRequest): void {
    const child = this.#child;
    if (child?.connected) child.send(message);
  }

  /** Breaks synchronous code the kernel is stuck in (vm breakOnSigint); Windows has no SIGINT to send. */
  interrupt(): void {
    if (process.platform !== "win32") this.#child?.kill("SIGINT");
  }

  /** Starts a process and resolves once it accepts requests; rejects when it exits, fails or is not ready in time. */
  spawn(): Promise<void> {
    const options = this.#options;
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    if (options.typeCheck) env.CHALKNB_TYPECHECK = "1";
    else delete env.CHALKNB_TYPECHECK;
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    this.#expectExit = false;
    this.#stderrTail = "";
    const child = fork(options.kernelPath ?? defaultKernelPath(), [], {
      cwd: options.cwd ?? process.cwd(),
      env,
      execPath: options.execPath ?? process.execPath,
      // Our own flags only: never inherit the parent's (--test, --inspect, a loader).
      execArgv: ["--experimental-import-meta-resolve", "--no-warnings=ExperimentalWarning",
        ...(options.maxHeapMiB ? [`--max-old-space-size=${options.maxHeapMiB}`] : [])],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => this.#listener.rawOutput("stdout", chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      this.#stderrTail = (this.#stderrTail + text).slice(-4000);
      this.#listener.rawOutput("stderr", text);
    });
    const startTimeoutMs = options.startTimeoutMs ?? 30000;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`KernelClient.start(): the kernel did not start within ${startTimeoutMs} ms${this.stderrDetail()}`));
      }, startTimeoutMs);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        reject(new Error(`KernelClient.start(): the kernel exited before it was ready (code ${code}, signal ${signal})${this.stderrDetail()}`));
      };
      child.once("exit", onExit);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`KernelClient.start(): could not start the kernel: ${error.message}`));
      });
      child.on("message", (message: KernelMessage) => {
        if (message.msg_type === "kernel_ready") {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve();
        }
        this.#listener.message(message);
      });
    });
    child.on("exit", (code, signal) => {
      if (this.#child === child) this.#listener.exit({ code, signal, expected: this.#expectExit }, this.stderrDetail());
    });
    return ready.then(() => {
      if (this.#child === child) this.#listener.ready();
    });
  }

  /** Replaces the process with a fresh one, after any restart already under way; `steps` hear of each stage. */
  async restart(steps: RestartSteps): Promise<void> {
    let release!: () => void;
    const previous = this.#settled;
    this.#settled = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous.catch(() => undefined);
      steps.begin();
      await this.stop(1000);
      steps.stopped();
      await this.spawn();
    } catch (error) {
      steps.failed();
      throw error;
    } finally {
      release();
    }
  }

  /** Asks the process to exit, kills it after `graceMs`, and waits for it to be gone. */
  async stop(graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#expectExit = true;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (child.connected) child.send({ msg_type: "shutdown_request", msg_id: this.#nextId() } satisfies KernelRequest);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** The end of the process's stderr, as a suffix for error messages ("" when it wrote nothing). */
  stderrDetail(): string {
    const tail = this.#stderrTail.trim();
    return tail ? `\nkernel stderr:\n${tail}` : "";
  }
}
