import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/paths.js";

// Function files are compiled by typescript through module hooks (no tsx, no native esbuild). The hooks are global
// to a process, so each case loads its files in a child process, from a folder outside the repository: nothing there
// provides "chalknb" or apache-arrow, as in a notebook's functions/ folder.

const FILES = {
  "util.ts": "export enum Mode { Upper = 1, Lower = 2 }\nexport const up = (s: string): string => s.toUpperCase();\n",
  "lib/index.ts": "export const suffix: string = '!';\n",
  "shout.ts": [
    'import { defineFunction } from "chalknb/worker";',
    'import { defineFunction as fromRoot } from "chalknb";',
    'import { tableFromArrays } from "apache-arrow";',
    'import { up, Mode } from "./util.js";',
    'import { suffix } from "./lib";',
    "interface Unused { a: number }",
    "export const same = defineFunction === fromRoot;",
    "export const arrowLoaded = typeof tableFromArrays;",
    "export const shout = defineFunction({ name: 'shout' }, (text: string[]) => text.map((t) => (Mode.Upper === 1 ? up(t) : t) + suffix));",
    "export function boom(): never {",
    "  throw new Error('boom');",
    "}",
  ].join("\n"),
};

async function withFolder(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "chalknb-loader-"));
  try {
    for (const [name, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function node(dir: string, script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, timeout: 60_000 });
  return stdout.trim();
}

test("loadFunctionFiles() compiles TypeScript (enums, .js → .ts, folder index) and resolves chalknb, chalknb/worker and chalknb's dependencies", async () => {
  await withFolder(async (dir) => {
    const loader = JSON.stringify(join(repoRoot, "dist/queue/function-loader.js"));
    const out = await node(dir, [
      `const { loadFunctionFiles } = await import(${loader});`,
      `const [fn] = await loadFunctionFiles(["shout.ts"]);`,
      `const m = await import(new URL("shout.ts", "file://" + process.cwd() + "/").href);`,
      "console.log(JSON.stringify({ name: fn.spec.name, inputs: fn.spec.inputs, rows: await fn.handler(['a', 'b']), same: m.same, arrow: m.arrowLoaded }));",
    ].join("\n"));
    assert.deepEqual(JSON.parse(out), { name: "shout", inputs: ["text"], rows: ["A!", "B!"], same: true, arrow: "function" });
  });
});

test("a function file's stack trace names its own .ts line and column", async () => {
  await withFolder(async (dir) => {
    const hooks = JSON.stringify(join(repoRoot, "dist/queue/typescript-loader.js"));
    const out = await node(dir, [
      `const { importTypeScript } = await import(${hooks});`,
      `const m = await importTypeScript(new URL("shout.ts", "file://" + process.cwd() + "/").href);`,
      "try { m.boom(); } catch (error) { console.log(error.stack.split('\\n')[1].trim()); }",
    ].join("\n"));
    assert.equal(out, `at Module.boom (${join(dir, "shout.ts")}:11:9)`);
  });
});
