import { readFile } from "node:fs/promises";
import path from "node:path";
import { PROGRESS_MIME, type CallProgress } from "../../protocol/progress.js";
import { KernelClient, type ExecuteResult } from "../client.js";
import type { ErrorContent, KernelOutput } from "../messages.js";
import { DEFAULT_MAX_SAVED_OUTPUT_BYTES, parseNotebook, savesFullOutputs, serializeNotebook, toNotebookOutputs, type NotebookFile } from "../notebook-format.js";
import { dropCommand, parseArgs, UsageError } from "./args.js";
import { writeFileAtomic } from "./atomic-write.js";
import { watchMemory, type MemoryWatchdog } from "./memory-watchdog.js";
import { createProgressView, type ProgressView } from "./progress-view.js";

/**
 * `chalknb run <nb.chalknb> [--out file] [--queue url] [--token t] [--timeout s] [--max-memory MiB]
 * [--max-output-bytes n] [--max-saved-output-bytes n]`: runs every code cell in order in a
 * fresh kernel (like `jupyter nbconvert --execute` / papermill), prints text outputs as they come, shows remote-call
 * progress, stops at the first failing cell, and saves the executed notebook (atomically) back or to `--out`.
 *
 * `--max-memory` bounds the kernel process (V8 heap limit, and its resident memory checked while a cell runs: over
 * the limit, the kernel is stopped and the cell fails saying so). `--max-output-bytes` bounds the text of each stream
 * output kept in the saved notebook; the terminal still gets all of it. `--max-saved-output-bytes` (default 1 MiB) is
 * the save rule the VS Code extension applies too: a larger output is saved as its preview with the true row count,
 * unless the notebook's metadata has `"saveFullOutputs": true`.
 *
 * Exit codes: 0 all cells ran; 1 a cell failed (or exceeded --timeout or --max-memory); 2 usage error or unreadable notebook (the file
 * is left untouched); 130 interrupted with Ctrl+C.
 */

const USAGE = "usage: chalknb run <notebook.chalknb> [--out file] [--queue url] [--token t] [--timeout seconds] " +
  "[--max-memory MiB] [--max-output-bytes n] [--max-saved-output-bytes n] [--no-typecheck]";

/** Text kept of one stream output in the saved notebook: 10 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** Below this a kernel cannot even start (Node, the cell compiler, apache-arrow). */
const MIN_MEMORY_MIB = 64;

/** How long a finished run waits for type-check warnings before it stops the kernel. */
const DIAGNOSTICS_WAIT_MS = 20_000;

export interface RunIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Draw progress bars (a terminal) or plain lines. @default err is a TTY */
  tty?: boolean;
}

export async function main(argv: string[], io: RunIO = { out: process.stdout, err: process.stderr }): Promise<number> {
  const { out, err } = io;
  let notebookPath: string;
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(dropCommand(argv, "run"), { options: ["out", "queue", "token", "timeout", "max-memory", "max-output-bytes", "max-saved-output-bytes"], flags: ["help", "no-typecheck"] });
    if (args.flags.has("help")) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError(`expected one notebook file, got ${args.positionals.length}`);
    notebookPath = path.resolve(args.positionals[0]!);
    if (args.options.timeout !== undefined && !(Number(args.options.timeout) > 0)) {
      throw new UsageError(`--timeout: expected seconds > 0, got "${args.options.timeout}"`);
    }
    const maxMemory = args.options["max-memory"];
    if (maxMemory !== undefined && !(/^\d+$/.test(maxMemory) && Number(maxMemory) >= MIN_MEMORY_MIB)) {
      throw new UsageError(`--max-memory: expected a whole number of MiB, at least ${MIN_MEMORY_MIB}, got "${maxMemory}"`);
    }
    const maxOutput = args.options["max-output-bytes"];
    if (maxOutput !== undefined && !(/^\d+$/.test(maxOutput) && Number(maxOutput) >= 1)) {
      throw new UsageError(`--max-output-bytes: expected a whole number of bytes, at least 1, got "${maxOutput}"`);
    }
    const maxSaved = args.options["max-saved-output-bytes"];
    if (maxSaved !== undefined && !(/^\d+$/.test(maxSaved) && Number(maxSaved) >= 1024)) {
      throw new UsageError(`--max-saved-output-bytes: expected a whole number of bytes, at least 1024, got "${maxSaved}"`);
    }
  } catch (error) {
    err.write(`chalknb run: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }

  let notebook: NotebookFile;
  try {
    notebook = parseNotebook(await readFile(notebookPath, "utf8"));
  } catch (error) {
    err.write(`chalknb run: cannot run ${args.positionals[0]}: ${(error as Error).message}\nThe file was not changed.\n`);
    return 2;
  }
  const outPath = args.options.out ? path.resolve(args.options.out) : notebookPath;
  const timeoutMs = args.options.timeout !== undefined ? Number(args.options.timeout) * 1000 : undefined;

  const env: Record<string, string> = {};
  if (args.options.queue) env.CHALKNB_QUEUE_URL = args.options.queue;
  if (args.options.token) env.CHALKNB_TOKEN = args.options.token;
  const typeCheck = !args.flags.has("no-typecheck");
  const maxMemoryMiB = args.options["max-memory"] !== undefined ? Number(args.options["max-memory"]) : undefined;
  const maxOutputBytes = args.options["max-output-bytes"] !== undefined ? Number(args.options["max-output-bytes"]) : DEFAULT_MAX_OUTPUT_BYTES;
  const maxSavedOutputBytes = args.options["max-saved-output-bytes"] !== undefined ? Number(args.options["max-saved-output-bytes"]) : DEFAULT_MAX_SAVED_OUTPUT_BYTES;
  const outputCap = { maxBytes: maxOutputBytes, note: (dropped: number) => `\n… truncated ${dropped} bytes (raise --max-output-bytes)\n` };

  let kernel: KernelClient;
  try {
    kernel = await KernelClient.start({ cwd: path.dirname(notebookPath), env, typeCheck, maxHeapMiB: maxMemoryMiB, outputCap });
    // A notebook that saves full outputs gets whole tables in them, not previews.
    if (savesFullOutputs(notebook)) await kernel.configure({ fullTables: true });
  } catch (error) {
    err.write(`chalknb run: ${(error as Error).message}\n`);
    return 1;
  }

  const view = await createProgressView({ tty: io.tty ?? Boolean((err as NodeJS.WriteStream).isTTY), out, err });
  const cellNumbers = new Map<number, number>();
  const awaitingDiagnostics = new Set<number>();
  let diagnosticsDone: (() => void) | undefined;
  kernel.on("diagnostics", (event) => {
    awaitingDiagnostics.delete(event.executionCount);
    if (awaitingDiagnostics.size === 0) diagnosticsDone?.();
    const cell = cellNumbers.get(event.executionCount);
    for (const d of event.diagnostics) {
      view.log(`warning: cell ${cell ?? "?"}, line ${d.line}:${d.column}: TS${d.code}: ${d.message}\n`, "stderr");
    }
  });
  kernel.on("idleOutput", ({ name, text }) => view.log(text, name));

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    err.write("\nchalknb run: interrupted, stopping the running cell…\n");
    void kernel.interrupt({ restartAfterMs: 3000 });
  };
  process.on("SIGINT", onSigint);

  const codeCells = notebook.cells.map((c, i) => ({ cell: c, index: i })).filter(({ cell }) => cell.kind === "code");
  let exitCode = 0;
  let failedAt: number | undefined;
  try {
    for (let n = 0; n < codeCells.length; n++) {
      const { cell, index } = codeCells[n]!;
      if (interrupted) break;
      const startedAt = Date.now();
      let timedOut = false;
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        void kernel.interrupt({ restartAfterMs: 3000 });
      }, timeoutMs);
      let overMemory: number | undefined;
      let watchdog: MemoryWatchdog | undefined;
      if (maxMemoryMiB !== undefined) {
        watchdog = watchMemory({
          pid: () => kernel.pid,
          limitBytes: maxMemoryMiB * MIB,
          onExceeded: (rss) => {
            overMemory = rss;
            const pid = kernel.pid;
            if (pid !== undefined) process.kill(pid, "SIGKILL");
          },
        });
      }
      let result: ExecuteResult;
      try {
        result = await kernel.execute(cell.source, { onOutput: (o) => printOutput(o, view), cellId: `cell-${index + 1}` });
      } finally {
        clearTimeout(timer);
        watchdog?.stop();
        view.finish();
      }
      if (maxMemoryMiB !== undefined) result = explainMemoryLimit(result, maxMemoryMiB, overMemory);
      if (result.executionCount > 0) {
        cellNumbers.set(result.executionCount, index + 1);
        if (typeCheck && result.status === "ok") awaitingDiagnostics.add(result.executionCount);
      }
      cell.outputs = toNotebookOutputs(result.outputs);
      cell.execution = { executionCount: result.executionCount || null, success: result.status === "ok", startedAt, endedAt: Date.now() };
      if (result.status !== "ok") {
        const reason = timedOut ? ` (it ran past --timeout ${args.options.timeout}s)` : interrupted ? " (interrupted)"
          : result.error?.ename === MEMORY_LIMIT_ERROR ? ` (it used more than --max-memory ${maxMemoryMiB} MiB)` : "";
        const label = result.executionCount > 0 ? ` (In [${result.executionCount}])` : "";
        failedAt = index + 1;
        err.write(`\nchalknb run: cell ${index + 1}${label} failed${reason}:\n${(result.error?.traceback ?? [result.status]).join("\n")}\n`);
        exitCode = interrupted ? 130 : 1;
        // Later cells did not run in this execution: drop their old outputs rather than show stale ones.
        for (const later of codeCells.slice(n + 1)) {
          later.cell.outputs = [];
          delete later.cell.execution;
        }
        break;
      }
    }
    if (interrupted && exitCode === 0) exitCode = 130;
    if (exitCode === 0 && awaitingDiagnostics.size > 0) {
      // Type checking runs beside the cells; give it a bounded time to report before the kernel stops.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DIAGNOSTICS_WAIT_MS);
        diagnosticsDone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off("SIGINT", onSigint);
    await kernel.shutdown();
  }

  try {
    await writeFileAtomic(outPath, serializeNotebook(notebook, { maxOutputBytes: maxSavedOutputBytes }));
  } catch (error) {
    err.write(`chalknb run: could not save ${outPath}: ${(error as Error).message}\n`);
    return exitCode || 1;
  }
  const summary = failedAt === undefined ? `ran ${codeCells.length} code cells` : `stopped at cell ${failedAt}`;
  err.write(`chalknb run: ${summary}; saved ${path.relative(process.cwd(), outPath) || outPath}\n`);
  return exitCode;
}

const MIB = 1024 * 1024;
const MEMORY_LIMIT_ERROR = "KernelMemoryLimit";

/**
 * A kernel that died of the memory limit (killed by the watchdog, or V8 out of heap under --max-old-space-size)
 * shows as "KernelDied" with a signal and a GC dump; say what happened and what to do instead.
 */
function explainMemoryLimit(result: ExecuteResult, limitMiB: number, rssBytes: number | undefined): ExecuteResult {
  const died = result.error?.ename === "KernelDied";
  const outOfHeap = died && /JavaScript heap out of memory|Reached heap limit/.test(result.error!.evalue);
  if (!died || (rssBytes === undefined && !outOfHeap)) return result;
  const what = rssBytes !== undefined ? `${Math.round(rssBytes / MIB)} MiB resident` : "its JavaScript heap reached the limit";
  const error: ErrorContent = {
    ename: MEMORY_LIMIT_ERROR,
    evalue: `the kernel used more than ${limitMiB} MiB of memory (${what}) and was stopped; all variables were lost. ` +
      "Raise --max-memory, or process the data in smaller pieces.",
    traceback: [],
  };
  error.traceback = [`${error.ename}: ${error.evalue}`];
  const outputs = result.outputs.map((o) => (o.output_type === "error" && o.ename === "KernelDied" ? { output_type: "error" as const, ...error } : o));
  return { ...result, outputs, error };
}

/** Text outputs are printed as they arrive; progress drives the bars; errors are printed once, at the end. */
function printOutput(output: KernelOutput, view: ProgressView): void {
  switch (output.output_type) {
    case "stream":
      view.log(output.text, output.name);
      break;
    case "display_data":
    case "update_display_data": {
      const progress = output.data[PROGRESS_MIME] as CallProgress | undefined;
      if (progress && output.display_id) view.update(output.display_id, progress);
      else if (output.output_type === "display_data" && typeof output.data["text/plain"] === "string") {
        view.log(`${output.data["text/plain"]}\n`, "stdout");
      }
      break;
    }
    case "execute_result":
      if (typeof output.data["text/plain"] === "string") view.log(`${output.data["text/plain"]}\n`, "stdout");
      break;
    default:
      break;
  }
}
