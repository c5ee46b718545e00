import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseNotebook, serializeNotebook, type NotebookCell } from "../../kernel/notebook-format.js";

// `chalknb run` / `chalknb export` as real CLI processes (bin/chalknb.js) on real notebook files.
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/chalknb.js");
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chalknb-run-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const code = (source: string): NotebookCell => ({ kind: "code", language: "typescript", source, outputs: [] });
const markdown = (source: string): NotebookCell => ({ kind: "markdown", language: "markdown", source, outputs: [] });

async function writeNotebook(name: string, cells: NotebookCell[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, serializeNotebook({ format: "chalknb", version: 1, metadata: {}, cells }));
  return file;
}

test("chalknb run executes every code cell in order, prints text outputs and saves them in the notebook", async () => {
  const file = await writeNotebook("ok.chalknb", [
    markdown("# A notebook"),
    code("const n: number = 21\nconsole.log('n is', n)"),
    code("n * 2"),
  ]);
  const result = await cli(["run", "ok.chalknb", "--no-typecheck"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "n is 21\n42\n");
  assert.equal(result.stderr, "chalknb run: ran 2 code cells; saved ok.chalknb\n");
  const saved = parseNotebook(await readFile(file, "utf8"));
  assert.deepEqual(saved.cells[1]!.outputs, [{ items: [{ mime: "application/vnd.code.notebook.stdout", data: "n is 21\n" }], metadata: { outputType: "stream" } }]);
  assert.deepEqual(saved.cells[2]!.outputs, [{ items: [{ mime: "text/plain", data: "42" }], metadata: { outputType: "execute_result" } }]);
  assert.deepEqual([saved.cells[1]!.execution?.executionCount, saved.cells[1]!.execution?.success, saved.cells[2]!.execution?.executionCount], [1, true, 2]);
  assert.deepEqual(saved.cells[0], markdown("# A notebook"));
});

test("chalknb run stops at the first failing cell with exit 1 and the error, and writes --out", async () => {
  const file = await writeNotebook("fails.chalknb", [
    code("console.log('first')"),
    code("const x = 1\nthrow new TypeError('broken here')"),
    { ...code("console.log('never')"), outputs: [{ items: [{ mime: "text/plain", data: "stale" }] }] },
  ]);
  const before = await readFile(file, "utf8");
  const result = await cli(["run", "fails.chalknb", "--out", "out.chalknb", "--no-typecheck"]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "first\n");
  assert.equal(
    result.stderr,
    [
      "",
      "chalknb run: cell 2 (In [2]) failed:",
      "TypeError: broken here",
      "    at cell[2]:2:7",
      "cell[2], line 2:",
      "  2 | throw new TypeError('broken here')",
      "    |       ^",
      "chalknb run: stopped at cell 2; saved out.chalknb",
      "",
    ].join("\n"),
  );
  assert.equal(await readFile(file, "utf8"), before);
  const saved = parseNotebook(await readFile(path.join(dir, "out.chalknb"), "utf8"));
  assert.equal(saved.cells[1]!.execution?.success, false);
  assert.equal(saved.cells[1]!.outputs[0]!.items[0]!.mime, "application/vnd.code.notebook.error");
  assert.deepEqual(saved.cells[2]!.outputs, []);
  assert.equal(saved.cells[2]!.execution, undefined);
});

test("chalknb run leaves a corrupt notebook unchanged and exits 2 naming the bad field", async () => {
  const file = path.join(dir, "corrupt.chalknb");
  const corrupt = JSON.stringify({ format: "chalknb", version: 1, cells: [{ kind: "code", source: "1" }, { kind: "code" }] });
  await writeFile(file, corrupt);
  const result = await cli(["run", "corrupt.chalknb"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr, "chalknb run: cannot run corrupt.chalknb: $.cells[1].source: expected a string, got nothing (missing)\nThe file was not changed.\n");
  assert.equal(await readFile(file, "utf8"), corrupt);

  await writeFile(file, "{ truncated");
  const notJson = await cli(["run", "corrupt.chalknb"]);
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /^chalknb run: cannot run corrupt\.chalknb: \$: not valid JSON \(/);
  assert.equal(await readFile(file, "utf8"), "{ truncated");
});

test("chalknb run rejects bad usage with exit 2", async () => {
  const result = await cli(["run", "a.chalknb", "--bogus", "1"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^chalknb run: unknown option --bogus \(known: --out, --queue, --token, --timeout, --help, --no-typecheck\)\n/);
});

test("chalknb run --timeout interrupts a cell that runs too long and exits 1", async () => {
  await writeNotebook("slow.chalknb", [code("await new Promise(() => {})")]);
  const result = await cli(["run", "slow.chalknb", "--timeout", "0.2", "--no-typecheck"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /chalknb run: cell 1 \(In \[1\]\) failed \(it ran past --timeout 0\.2s\):\nInterruptError: Interrupted\n/);
});

test("chalknb export --to ipynb writes an nbformat 4 notebook with outputs", async () => {
  await writeNotebook("exp.chalknb", [markdown("# T"), { ...code("1"), outputs: [{ items: [{ mime: "text/plain", data: "1" }], metadata: { outputType: "execute_result" } }], execution: { executionCount: 1, success: true } }]);
  const result = await cli(["export", "exp.chalknb", "--to", "ipynb"]);
  assert.equal(result.code, 0, result.stderr);
  const ipynb = JSON.parse(await readFile(path.join(dir, "exp.ipynb"), "utf8")) as { nbformat: number; cells: unknown[] };
  assert.equal(ipynb.nbformat, 4);
  assert.deepEqual(ipynb.cells[1], {
    cell_type: "code",
    execution_count: 1,
    id: "cell-2",
    metadata: {},
    outputs: [{ output_type: "execute_result", data: { "text/plain": ["1"] }, execution_count: 1, metadata: {} }],
    source: ["1"],
  });
  const bad = await cli(["export", "exp.chalknb", "--to", "html"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^chalknb export: --to: expected "ipynb", got "html"\n/);
});

test("chalknb run reports type errors as warnings without failing the run", async () => {
  await writeNotebook("typed.chalknb", [code("const label: string = 42\nlabel"), code("const t: Table = tableFromArrays({ a: [1] })\nt.numRows")]);
  const result = await cli(["run", "typed.chalknb"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "42\n1\n");
  assert.equal(
    result.stderr,
    "warning: cell 1, line 1:7: TS2322: Type 'number' is not assignable to type 'string'.\nchalknb run: ran 2 code cells; saved typed.chalknb\n",
  );
});

test("chalknb run --queue --token sends the notebook's calls to that queue", async () => {
  const { startQueue, startWorker, defineFunction } = await import("../../index.js");
  const queue = await startQueue({ port: 0, token: "s3cret" });
  const worker = await startWorker({
    url: queue.url,
    token: "s3cret",
    functions: [defineFunction({ name: "shout", maxBatchingSize: 4, maxBufferDuration: 5 }, (word: string[]) => word.map((w) => w.toUpperCase()))],
    reconnect: false,
  });
  try {
    await worker.ready;
    await writeNotebook("remote.chalknb", [
      code('const shout = new Remote().function("shout")\nconst r = await shout.chunkedCall(tableFromArrays({ word: ["a", "b", "c"] }), { chunkSize: 2 })\nconsole.log([...r.getChild("result")!].join(","))'),
    ]);
    const result = await cli(["run", "remote.chalknb", "--queue", queue.url, "--token", "s3cret", "--no-typecheck"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "A,B,C\n");
    assert.match(result.stderr, /^progress shout: 0\/3 rows \(0%\)/);
    assert.match(result.stderr, /progress shout: 3\/3 rows \(100%\) · chunks 2 done · \d+ rows\/s · done\nchalknb run: ran 1 code cells; saved remote\.chalknb\n$/);
  } finally {
    await worker.close();
    await queue.close();
  }
});
