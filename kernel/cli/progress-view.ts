import type { CallProgress } from "../../protocol/progress.js";
import { describeProgress } from "../text-preview.js";

/**
 * How `chalknb run` shows remote-call progress: live bars (cli-progress) on a terminal, plain lines otherwise (one when
 * a call starts, one per 10% of its rows, one when it ends), so CI logs stay short.
 */
export interface ProgressView {
  update(displayId: string, progress: CallProgress): void;
  /** Prints text above the bars (or plainly). */
  log(text: string, stream: "stdout" | "stderr"): void;
  /** Ends the bars of the current cell. */
  finish(): void;
}

export async function createProgressView(options: { tty: boolean; err: NodeJS.WritableStream; out: NodeJS.WritableStream }): Promise<ProgressView> {
  return options.tty ? createBars(options) : createPlain(options);
}

function write(options: { err: NodeJS.WritableStream; out: NodeJS.WritableStream }, text: string, stream: "stdout" | "stderr"): void {
  (stream === "stdout" ? options.out : options.err).write(text);
}

function createPlain(options: { err: NodeJS.WritableStream; out: NodeJS.WritableStream }): ProgressView {
  const lastDecile = new Map<string, number>();
  return {
    update(displayId, p) {
      const decile = p.totalRows === 0 ? 10 : Math.floor((p.rowsDone / p.totalRows) * 10);
      const previous = lastDecile.get(displayId);
      const final = p.state !== "running";
      // 100% is printed by the final line (done / failed), not twice.
      if (!final && decile >= 10 && previous !== undefined) return;
      if (previous === undefined || decile > previous || (final && previous !== 11)) {
        lastDecile.set(displayId, final ? 11 : decile);
        options.err.write(`progress ${describeProgress(p)}\n`);
      }
    },
    log: (text, stream) => write(options, text, stream),
    finish() {
      lastDecile.clear();
    },
  };
}

async function createBars(options: { err: NodeJS.WritableStream; out: NodeJS.WritableStream }): Promise<ProgressView> {
  const cliProgress = (await import("cli-progress")).default;
  let multibar: InstanceType<typeof cliProgress.MultiBar> | undefined;
  const bars = new Map<string, ReturnType<InstanceType<typeof cliProgress.MultiBar>["create"]>>();
  const payload = (p: CallProgress) => {
    const done = p.chunks.filter((c) => c.state === "done").length;
    return {
      name: p.functionName,
      chunks: `${done}/${p.chunks.length} chunks`,
      rate: `${Math.round(p.rowsPerSecond)} rows/s`,
      eta: p.state === "running" ? (p.etaSeconds === null ? "ETA …" : `ETA ${Math.ceil(p.etaSeconds)}s`) : p.state,
    };
  };
  return {
    update(displayId, p) {
      multibar ??= new cliProgress.MultiBar(
        {
          stream: options.err as NodeJS.WriteStream,
          format: "{name} |{bar}| {value}/{total} rows | {chunks} | {rate} | {eta}",
          hideCursor: true,
          barsize: 24,
          clearOnComplete: false,
          stopOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      let bar = bars.get(displayId);
      if (!bar) {
        bar = multibar.create(p.totalRows, p.rowsDone, payload(p));
        bars.set(displayId, bar);
      } else bar.update(p.rowsDone, payload(p));
    },
    log(text, stream) {
      // While bars are drawn, all text goes above them (a terminal shows stdout and stderr in one place).
      if (multibar) multibar.log(text.endsWith("\n") ? text : `${text}\n`);
      else write(options, text, stream);
    },
    finish() {
      multibar?.stop();
      multibar = undefined;
      bars.clear();
    },
  };
}
