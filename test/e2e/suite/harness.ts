/** A tiny test harness for the extension host: sequential tests, timeouts, results file, runner checkpoints. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Checkpoint, WebviewFacts } from "../webview-inspect.js";

export interface TestCase {
  name: string;
  timeoutMs: number;
  fn(): Promise<void>;
}

export const e2eDir = process.env.CHALKNB_E2E_DIR ?? "";
export const e2eMode = process.env.CHALKNB_E2E_MODE ?? "trusted";

/** CHALKNB_E2E_ONLY=regex runs only the tests whose names match (to iterate on a few; the full suite runs them all). */
export const only = process.env.CHALKNB_E2E_ONLY ? new RegExp(process.env.CHALKNB_E2E_ONLY, "i") : undefined;

export async function runTests(tests: TestCase[]): Promise<void> {
  const results: { name: string; ok: boolean; ms: number; error?: string }[] = [];
  if (e2eDir) writeFileSync(join(e2eDir, "results.json"), "[]");
  for (const t of tests) {
    if (only && !only.test(t.name)) continue;
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        t.fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${t.timeoutMs} ms`)), t.timeoutMs);
        }),
      ]);
      results.push({ name: t.name, ok: true, ms: Date.now() - t0 });
    } catch (e) {
      results.push({ name: t.name, ok: false, ms: Date.now() - t0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    } finally {
      clearTimeout(timer);
    }
    if (e2eDir) writeFileSync(join(e2eDir, "results.json"), JSON.stringify(results, null, 2));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined/false; the error names what was awaited. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(100);
  }
}

/** Records a measured figure (e.g. Run → first rows in ms); the runner prints them after the results. */
export function recordFigure(name: string, value: number, unit: string): void {
  if (!e2eDir) return;
  const file = join(e2eDir, "figures.json");
  const figures = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as unknown[]) : [];
  figures.push({ name, value, unit });
  writeFileSync(file, JSON.stringify(figures, null, 2));
}

let checkpoints = 0;

/** Asks the runner (outside VS Code) for a screenshot and the webviews' DOM facts, after optional actions. */
export async function checkpoint(name: string, actions: Checkpoint["actions"] = [], grid?: Checkpoint["grid"], output?: Checkpoint["output"]): Promise<{ facts: WebviewFacts; dialogs: string[] }> {
  if (!e2eDir) throw new Error("CHALKNB_E2E_DIR is not set: run through test/e2e/run.ts");
  const file = join(e2eDir, `cp-${String(++checkpoints).padStart(3, "0")}-${name}.json`);
  writeFileSync(file, JSON.stringify({ name, actions, grid, output }));
  const done = file.replace(/\.json$/, ".done.json");
  await waitFor(`checkpoint ${name}`, () => existsSync(done), 90_000);
  return JSON.parse(readFileSync(done, "utf8")) as { facts: WebviewFacts; dialogs: string[] };
}
