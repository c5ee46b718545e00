import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

/**
 * Watches a process's resident memory and calls `onExceeded` once when it goes over the limit. V8's heap limit
 * (`--max-old-space-size`) does not cover Arrow buffers and other off-heap memory, which is most of what a notebook
 * that holds embeddings uses; this bounds the process as a whole (issue 9, defect 10).
 */
export interface MemoryWatchdog {
  stop(): void;
}

export interface MemoryWatchdogOptions {
  /** The process to watch; read on every check, so a restarted kernel is followed. Undefined: nothing to watch. */
  pid(): number | undefined;
  limitBytes: number;
  onExceeded(rssBytes: number): void;
  /** How often to check. @default 100 */
  intervalMs?: number;
}

export function watchMemory(options: MemoryWatchdogOptions): MemoryWatchdog {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const pid = options.pid();
    const rss = pid === undefined ? undefined : await residentBytes(pid).catch(() => undefined);
    if (stopped) return;
    if (rss !== undefined && rss > options.limitBytes) {
      stopped = true;
      return options.onExceeded(rss);
    }
    timer = setTimeout(check, options.intervalMs ?? 100);
  };
  void check();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process: /proc on Linux, `ps` elsewhere (macOS). */
export async function residentBytes(pid: number): Promise<number | undefined> {
  if (process.platform === "linux") {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  }
  const out = await new Promise<string>((resolve, reject) =>
    execFile("ps", ["-o", "rss=", "-p", String(pid)], (error, stdout) => (error ? reject(error) : resolve(stdout))));
  const kib = Number(out.trim());
  return Number.isFinite(kib) && kib > 0 ? kib * 1024 : undefined;
}
