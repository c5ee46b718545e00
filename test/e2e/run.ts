/**
 * End-to-end tests of the extension in a real VS Code: code-server 4.100.3 driven by Debian Chromium through
 * playwright-core (shared/VSCODE-E2E.md). Two phases: a trusted workspace (the main suite) and an untrusted one (no
 * cell may run). The suite runs inside VS Code's extension host (suite/index.ts); at checkpoints it asks this runner
 * to screenshot the page and inspect the notebook webview's DOM, which the extension host cannot see.
 *
 * Prints one line per test and `N passed, N failed`; exits non-zero on any failure. Artifacts: test-artifacts/.
 * Run: npm run test:e2e (after .ci/setup-vscode-e2e.sh): packs the .vsix and tests it unpacked (`--vsix file`);
 * without --vsix it loads the dev stage (node scripts/stage-extension.mjs --dev), faster to iterate on.
 */
import { chromium, type Frame, type Page } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCodeServer } from "./code-server.js";
import { inspectWebviews, type Checkpoint } from "./webview-inspect.js";

interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = join(root, "test-artifacts");
const vsixArg = process.argv.indexOf("--vsix");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const vsix = vsixArg < 0 ? undefined
  : process.argv[vsixArg + 1]?.endsWith(".vsix") ? process.argv[vsixArg + 1]! : join(root, "out", `${pkg.name}-${pkg.version}.vsix`);
const suiteModule = join(root, "out/e2e/suite.cjs");
const keep = process.env.CHALKNB_E2E_KEEP === "1";

async function main(): Promise<number> {
  mkdirSync(artifacts, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "chalknb-e2e-"));
  // With --vsix, VS Code loads the extension from the unpacked .vsix: the test sees exactly what ships.
  let extensionPath = join(root, "out/extension-package");
  if (vsix) {
    execFileSync("unzip", ["-q", vsix, "-d", join(tmp, "vsix")]);
    extensionPath = join(tmp, "vsix", "extension");
    console.log(`testing the packaged extension ${vsix}`);
  }
  if (!existsSync(join(extensionPath, "package.json"))) throw new Error(`${extensionPath} is missing: run node scripts/stage-extension.mjs --dev, or pass --vsix`);
  // Outside the repository, like a user's folder: the sample's function file imports "chalknb", which must resolve
  // through the extension (its NODE_PATH shim), not through this package's self-reference.
  const workspaces = join(tmp, "workspaces");
  const results: TestResult[] = [];
  const queue = await startQueue(tmp).catch((e: unknown) => {
    console.log(`(queue for the dashboard test not started: ${e instanceof Error ? e.message : String(e)})`);
    return null;
  });
  try {
    for (const mode of ["trusted", "untrusted"] as const) {
      // CHALKNB_E2E_ONLY picks tests by name; the untrusted phase has one test, named "in an untrusted workspace …".
      if (mode === "untrusted" && process.env.CHALKNB_E2E_ONLY && !new RegExp(process.env.CHALKNB_E2E_ONLY, "i").test("in an untrusted workspace")) continue;
      const workspace = join(workspaces, mode);
      prepareWorkspace(workspace);
      const phase = await runPhase(mode, extensionPath, workspace, join(tmp, `home-${mode}`), join(tmp, `results-${mode}`), queue?.url);
      results.push(...phase);
    }
  } finally {
    await queue?.stop();
    if (!keep) rmSync(tmp, { recursive: true, force: true });
    else console.log(`kept ${tmp}`);
  }
  for (const r of results) {
    console.log(`${r.ok ? "✓" : "✗"} ${r.name} (${r.ms} ms)${r.ok ? "" : `\n    ${(r.error ?? "").split("\n").join("\n    ")}`}`);
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

/** The sample folder (notebook + functions/) when present, plus the test fixtures. */
function prepareWorkspace(ws: string): void {
  mkdirSync(ws, { recursive: true });
  const samples = join(root, "samples");
  if (existsSync(join(samples, "embeddings.chalknb"))) {
    cpSync(samples, ws, { recursive: true, filter: (src) => !/\.parquet$/.test(src) });
  }
  cpSync(join(root, "test/e2e/fixtures"), ws, { recursive: true });
}

async function runPhase(mode: "trusted" | "untrusted", extensionPath: string, workspace: string, home: string, resultsDir: string, queueUrl?: string): Promise<TestResult[]> {
  mkdirSync(resultsDir, { recursive: true });
  const server = await startCodeServer({
    root, home, workspace, trust: mode === "trusted",
    env: { CHALKNB_E2E_DIR: resultsDir, CHALKNB_E2E_MODE: mode, CHALKNB_E2E_QUEUE_URL: queueUrl ?? "", CHALKNB_E2E_ONLY: process.env.CHALKNB_E2E_ONLY ?? "" },
  });
  const profile = join(home, "chromium");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const dialogs: string[] = [];
  const consoleLines: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning" || /chalknb|renderer/i.test(m.text())) consoleLines.push(`[${m.type()}] ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${String(e)}`));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  let exitCode: number | null = null;
  await page.exposeFunction("codeAutomationExit", (code: number) => {
    exitCode = code;
  });
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [["extensionDevelopmentPath", remote(extensionPath)], ["extensionTestsPath", remote(suiteModule)]];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const deadline = Date.now() + (mode === "trusted" ? 15 : 3) * 60_000;
  const handled = new Set<string>();
  try {
    await page.goto(url);
    while (exitCode === null && Date.now() < deadline) {
      await handleCheckpoints(page, resultsDir, handled, dialogs);
      await page.waitForTimeout(250);
    }
    await page.screenshot({ path: join(artifacts, `e2e-${mode}-final.png`) }).catch(() => undefined);
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    writeFileSync(join(artifacts, `e2e-${mode}-code-server.log`), server.log());
    writeFileSync(join(artifacts, `e2e-${mode}-browser-console.log`), consoleLines.join("\n") + "\n");
    // The extension's own log (its "chalknb" output channel: kernel starts, interrupts, kernel stderr).
    const logs = findFiles(join(home, "user-data", "logs"), (name) => /chalknb\.log$/.test(name));
    writeFileSync(join(artifacts, `e2e-${mode}-chalknb.log`), logs.map((f) => readFileSync(f, "utf8")).join("\n"));
  }
  const figures = join(resultsDir, "figures.json");
  if (existsSync(figures)) {
    const list = JSON.parse(readFileSync(figures, "utf8")) as { name: string; value: number; unit: string }[];
    for (const f of list) console.log(`figure: ${f.name}: ${f.value} ${f.unit}`);
    writeFileSync(join(artifacts, `e2e-${mode}-figures.json`), JSON.stringify(list, null, 2) + "\n");
  }
  const file = join(resultsDir, "results.json");
  if (!existsSync(file)) {
    return [{ name: `${mode} suite finished`, ok: false, ms: 0, error: exitCode === null ? "timed out (no codeAutomationExit)" : `suite exited ${exitCode} without results; see test-artifacts/e2e-${mode}-code-server.log` }];
  }
  return JSON.parse(readFileSync(file, "utf8")) as TestResult[];
}

function findFiles(dir: string, match: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? findFiles(join(dir, e.name), match) : match(e.name) ? [join(dir, e.name)] : []);
}

/** Serves checkpoint requests the suite writes as cp-*.json: screenshot, optional webview actions, DOM facts. */
async function handleCheckpoints(page: Page, dir: string, handled: Set<string>, dialogs: string[]): Promise<void> {
  for (const f of readdirSync(dir).filter((n) => /^cp-.*\.json$/.test(n) && !n.endsWith(".done.json")).sort()) {
    if (handled.has(f)) continue;
    handled.add(f);
    const cp = JSON.parse(readFileSync(join(dir, f), "utf8")) as Checkpoint;
    let facts: unknown;
    try {
      facts = await inspectWebviews(page, cp);
    } catch (e) {
      facts = { inspectError: e instanceof Error ? e.message : String(e) };
    }
    await page.screenshot({ path: join(artifacts, `e2e-${cp.name}.png`) }).catch(() => undefined);
    // What the runner saw next to what it looked like (e.g. suggestMs: keystroke to suggest widget).
    writeFileSync(join(artifacts, `e2e-${cp.name}.json`), JSON.stringify(facts, null, 1) + "\n");
    // Written whole, then renamed: the suite polls for the file and must never read it half-written.
    const done = join(dir, f.replace(/\.json$/, ".done.json"));
    writeFileSync(`${done}.tmp`, JSON.stringify({ facts, dialogs }));
    renameSync(`${done}.tmp`, done);
  }
}

/** A real queue for the dashboard test (`chalknb queue --port 0` prints its ws:// URL). */
async function startQueue(tmp: string): Promise<{ url: string; stop(): Promise<void> } | null> {
  const bin = join(root, "bin/chalknb.js");
  if (!existsSync(bin)) return null;
  const child = spawn(process.execPath, [bin, "queue", "--port", "0"], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL in 15 s: ${out}`)), 15_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /ws:\/\/[^\s]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  // A worker for one small function, so the dashboard has a function, a worker and traffic to show.
  const worker = spawn(process.execPath, [bin, "worker", join(root, "test/e2e/queue-functions/text-length.ts"), "--queue", url],
    { cwd: tmp, stdio: "ignore", detached: true });
  const kill = (pid: number | undefined): void => {
    try {
      if (pid) process.kill(-pid, "SIGTERM");
    } catch {
      // gone
    }
  };
  return {
    url,
    stop: async () => {
      kill(worker.pid);
      kill(child.pid);
    },
  };
}

const code = await main().catch((e: unknown) => {
  console.error(e);
  console.log("0 passed, 1 failed");
  return 1;
});
process.exit(code);

export type { Frame };
