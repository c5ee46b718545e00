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
  assert.match(result.stderr, /^chalknb run: unknown option --bogus \(known: --out, --queue, --token, --timeout, --max-memory, --max-output-bytes, --max-saved-output-bytes, --help, --no-typecheck\)\n/);
  const tooSmall = await cli(["run", "a.chalknb", "--max-memory", "10"]);
  assert.equal(tooSmall.code, 2);
  assert.match(tooSmall.stderr, /^chalknb run: --max-memory: expected a whole number of MiB, at least 64, got "10"\n/);
  const notBytes = await cli(["run", "a.chalknb", "--max-output-bytes", "1e3"]);
  assert.equal(notBytes.code, 2);
  assert.match(notBytes.stderr, /^chalknb run: --max-output-bytes: expected a whole number of bytes, at least 1, got "1e3"\n/);
});

const MILLION_ROWS = "tableFromArrays({ id: Int32Array.from({ length: 1_000_000 }, (_, i) => i), score: Float64Array.from({ length: 1_000_000 }, (_, i) => i / 7) })";

test("chalknb run saves a million-row output as its preview with the true row count, under the 1 MiB limit", async () => {
  const file = await writeNotebook("million.chalknb", [code(MILLION_ROWS)]);
  const result = await cli(["run", "million.chalknb", "--no-typecheck"]);
  assert.equal(result.code, 0, result.stderr);
  const text = await readFile(file, "utf8");
  assert.ok(text.length < 1.5 * 1024 * 1024, `saved ${text.length} bytes`);
  const output = parseNotebook(text).cells[0]!.outputs[0]!;
  const meta = output.metadata!["application/vnd.apache.arrow.file"] as { numRows: number; totalRows: number; truncated: boolean; handle?: string };
  assert.equal(meta.totalRows, 1_000_000);
  assert.equal(meta.numRows, 1000);
  assert.equal(meta.truncated, true);
  assert.equal(meta.handle, undefined, "a kernel handle is never saved");
  assert.match(String(output.items.find((i) => i.mime === "text/plain")!.data), /^Table: 1000000 rows × 2 columns/);
});

test("chalknb run --max-saved-output-bytes and saveFullOutputs: the limit is the user's, and opting in saves whole tables", async () => {
  const small = await writeNotebook("limited.chalknb", [code(MILLION_ROWS)]);
  assert.equal((await cli(["run", "limited.chalknb", "--no-typecheck", "--max-saved-output-bytes", "4096"])).code, 0);
  const limited = parseNotebook(await readFile(small, "utf8")).cells[0]!.outputs[0]!;
  assert.ok(JSON.stringify(limited.items).length < 4096 + 200);
  const rows = (limited.metadata!["application/vnd.apache.arrow.file"] as { numRows: number }).numRows;
  assert.ok(rows > 0 && rows < 1000, `${rows} rows fit in 4 KiB`);

  const fullFile = path.join(dir, "full.chalknb");
  await writeFile(fullFile, serializeNotebook({ format: "chalknb", version: 1, metadata: { saveFullOutputs: true }, cells: [code("tableFromArrays({ id: Int32Array.from({ length: 300_000 }, (_, i) => i) })")] }));
  const run = await cli(["run", "full.chalknb", "--no-typecheck"]);
  assert.equal(run.code, 0, run.stderr);
  const full = parseNotebook(await readFile(fullFile, "utf8")).cells[0]!.outputs[0]!;
  const meta = full.metadata!["application/vnd.apache.arrow.file"] as { numRows: number; totalRows: number };
  assert.deepEqual([meta.numRows, meta.totalRows], [300_000, 300_000]);
  assert.ok(JSON.stringify(full.items).length > 1024 * 1024, "the whole table is in the file");
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

// Issue 9, defect 10: memory and output limits of the runner.
test("chalknb run --max-output-bytes keeps the head of a long stream output in the notebook, with a note; the terminal gets all", async () => {
  const file = await writeNotebook("loud.chalknb", [code("process.stdout.write('é'.repeat(600))\nconsole.log('tail')")]);
  const result = await cli(["run", "loud.chalknb", "--no-typecheck", "--max-output-bytes", "1001"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${"é".repeat(600)}tail\n`);
  const saved = parseNotebook(await readFile(file, "utf8"));
  // 1001 bytes would end inside a two-byte "é": 1000 are kept, and 1200 + 5 - 1000 left out.
  assert.deepEqual(saved.cells[0]!.outputs, [{
    items: [{ mime: "application/vnd.code.notebook.stdout", data: `${"é".repeat(500)}\n… truncated 205 bytes (raise --max-output-bytes)\n` }],
    metadata: { outputType: "stream" },
  }]);
});

const MEMORY_LIMIT_MESSAGE = /the kernel used more than 256 MiB of memory \((\d+ MiB resident|its JavaScript heap reached the limit)\) and was stopped; all variables were lost\. Raise --max-memory, or process the data in smaller pieces\./;

test("chalknb run --max-memory stops a kernel whose resident memory (Arrow-style off-heap buffers) goes over it", async () => {
  const file = await writeNotebook("hungry.chalknb", [
    code("console.log('before')"),
    // Off-heap memory V8's heap limit never sees; bounded, so a broken watchdog fails the test rather than the machine.
    code("const keep = []\nfor (let i = 0; i < 160; i++) {\n  keep.push(Buffer.alloc(16 * 1024 * 1024, 1))\n  await new Promise((r) => setTimeout(r, 10))\n}\nconsole.log('not stopped', keep.length)"),
    code("console.log('never')"),
  ]);
  const result = await cli(["run", "hungry.chalknb", "--no-typecheck", "--max-memory", "256"]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "before\n");
  assert.match(result.stderr, /chalknb run: cell 2 failed \(it used more than --max-memory 256 MiB\):\nKernelMemoryLimit: the kernel used more than 256 MiB of memory \(\d+ MiB resident\)/);
  const saved = parseNotebook(await readFile(file, "utf8"));
  const error = saved.cells[1]!.outputs.at(-1)!.items[0]!;
  assert.equal(error.mime, "application/vnd.code.notebook.error");
  assert.equal(JSON.parse(error.data as string).name, "KernelMemoryLimit");
  assert.match(JSON.parse(error.data as string).message, MEMORY_LIMIT_MESSAGE);
  assert.deepEqual(saved.cells[2]!.outputs, []);
});

test("chalknb run --max-memory also limits the kernel's JavaScript heap", async () => {
  await writeNotebook("objects.chalknb", [code("const all = []\nfor (let i = 0; i < 1e8; i++) all.push({ i, s: 'row ' + i })\nconsole.log('not stopped')")]);
  const result = await cli(["run", "objects.chalknb", "--no-typecheck", "--max-memory", "256"]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  // Whichever comes first, the heap limit or the resident-memory check, the cell says the same thing.
  assert.match(result.stderr, /chalknb run: cell 1 failed \(it used more than --max-memory 256 MiB\):\nKernelMemoryLimit: /);
  assert.match(result.stderr, MEMORY_LIMIT_MESSAGE);
});
