import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { KernelClient } from "../../kernel/client.js";
import { outputLines } from "../helpers/kernel-outputs.js";

// One real kernel process, driven through KernelClient as the runner and the extension drive it.
let dir: string;
let kernel: KernelClient;

before(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), "chalknb-kernel-")));
  // An ESM-only package installed next to the notebook (no "require" condition).
  const pkg = path.join(dir, "node_modules", "esm-only");
  await mkdir(pkg, { recursive: true });
  await writeFile(path.join(pkg, "package.json"), JSON.stringify({ name: "esm-only", type: "module", exports: { ".": { import: "./index.js" } } }));
  await writeFile(path.join(pkg, "index.js"), "export const hello = (name) => `hello ${name}`;\nexport default 'esm default';\n");
  kernel = await KernelClient.start({ cwd: dir });
});

after(async () => {
  await kernel?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

const text = outputLines;

test("declarations persist across cells and a const may be declared again", async () => {
  assert.equal((await kernel.execute("const a: number = 1\nlet b = 2\nfunction add(x: number) { return x + a + b }\nclass Box { v = 7 }")).status, "ok");
  assert.deepEqual(text((await kernel.execute("add(10) + new Box().v")).outputs), ["result: 20"]);
  assert.equal((await kernel.execute("const a: number = 100")).status, "ok");
  assert.deepEqual(text((await kernel.execute("add(0)")).outputs), ["result: 102"]);
});

test("top-level await works and the last expression is the execute_result", async () => {
  const result = await kernel.execute("const slow = await new Promise<string>((r) => setTimeout(() => r('late'), 5));\n`value: ${slow}`");
  assert.equal(result.status, "ok");
  assert.ok(result.executionCount > 0);
  assert.deepEqual(result.outputs, [
    { output_type: "execute_result", execution_count: result.executionCount, data: { "text/plain": "'value: late'" }, metadata: {} },
  ]);
});

test("imports work: apache-arrow by name, an ESM-only package next to the notebook, node builtins; cwd is the notebook folder", async () => {
  const result = await kernel.execute(
    'import { tableFromArrays as tfa } from "apache-arrow"\nimport greet, { hello } from "esm-only"\nimport { basename } from "node:path"\n[tfa({ x: [1, 2] }).numRows, hello("you"), greet, basename(process.cwd()) === basename(' + JSON.stringify(dir) + ")]",
  );
  assert.deepEqual(text(result.outputs), ["result: [ 2, 'hello you', 'esm default', true ]"]);
  assert.deepEqual(text((await kernel.execute("hello('again')")).outputs), ["result: 'hello again'"]);
});

test("an Arrow table is displayed as Arrow IPC file bytes plus a text preview", async () => {
  const result = await kernel.execute("const t = tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ['a', 'b', 'c'] })\ndisplay('shown first')\nt");
  assert.equal(result.status, "ok");
  assert.equal(result.outputs.length, 2);
  assert.deepEqual(result.outputs[0], { output_type: "display_data", data: { "text/plain": "shown first" }, metadata: {}, display_id: (result.outputs[0] as { display_id: string }).display_id });
  const tableOutput = result.outputs[1]!;
  assert.equal(tableOutput.output_type, "execute_result");
  const data = (tableOutput as { data: Record<string, unknown> }).data;
  const table = tableFromIPC(Buffer.from(data["application/vnd.apache.arrow.file"] as string, "base64"));
  assert.deepEqual(table.toArray().map((r) => r.toJSON()), [{ id: 1, name: "a" }, { id: 2, name: "b" }, { id: 3, name: "c" }]);
  assert.equal(
    data["text/plain"],
    ["Table: 3 rows × 2 columns", "schema: id: Int32, name: Dictionary<Int32, Utf8>", "id │ name", "───┼─────", '1  │ "a"', '2  │ "b"', '3  │ "c"'].join("\n"),
  );
});

test("display() handles update their output in place", async () => {
  const result = await kernel.execute("const h = display('step 1')\nh.update('step 2')");
  assert.deepEqual(text(result.outputs), ["display_data: step 2"]);
});

test("stdout is streamed while the cell runs, before it ends", async () => {
  const flag = path.join(dir, "go.flag");
  const seen: string[] = [];
  const result = await kernel.execute(
    `import { existsSync } from "node:fs"\nconsole.log("waiting for the flag")\nwhile (!existsSync(${JSON.stringify(flag)})) await new Promise((r) => setTimeout(r, 2))\n"flag seen"`,
    {
      onOutput(output) {
        seen.push(output.output_type);
        // The cell only ends once this file exists: it can end only if this output arrived while it ran.
        if (output.output_type === "stream") void writeFile(flag, "");
      },
    },
  );
  assert.deepEqual(seen, ["stream", "execute_result"]);
  assert.deepEqual(text(result.outputs), ["stdout: waiting for the flag\n", "result: 'flag seen'"]);
});

test("a thrown error's traceback points at the cell's own lines, and the kernel keeps its state", async () => {
  await kernel.execute("const kept = 'still here'\nfunction fail(n: number): never {\n  throw new RangeError(`bad ${n}`)\n}");
  const failedCell = await kernel.execute("type N = number\nconst n: N = 3\n\nfail(n)");
  assert.equal(failedCell.status, "error");
  const error = failedCell.error!;
  assert.equal(error.ename, "RangeError");
  assert.equal(error.evalue, "bad 3");
  const defining = failedCell.executionCount - 1;
  assert.deepEqual(error.traceback.slice(0, 3), [
    "RangeError: bad 3",
    `    at fail (cell[${defining}]:3:9)`,
    `    at cell[${failedCell.executionCount}]:4:1`,
  ]);
  assert.deepEqual(error.traceback.slice(3), [`cell[${defining}], line 3:`, "  3 |   throw new RangeError(`bad ${n}`)", "    |         ^"]);
  assert.deepEqual(text((await kernel.execute("kept")).outputs), ["result: 'still here'"]);
});

test("a syntax error is reported with its cell position and the kernel goes on", async () => {
  const result = await kernel.execute("const ok = 1\nconst broken: number = ;");
  assert.equal(result.status, "error");
  assert.deepEqual(result.error, {
    ename: "SyntaxError",
    evalue: "Expression expected.",
    traceback: ["SyntaxError: Expression expected.", `    at cell[${result.executionCount}]:2:24`, "  2 | const broken: number = ;", "    |                        ^"],
  });
  assert.equal((await kernel.execute("1 + 1")).status, "ok");
});

test("interrupt() stops a synchronous infinite loop (SIGINT) and the kernel keeps its state", async () => {
  await kernel.execute("const beforeLoop = 'kept'");
  let interrupt: Promise<string> | undefined;
  const result = await kernel.execute("console.log('looping')\nwhile (true) {}", {
    onOutput: (o) => {
      if (o.output_type === "stream") interrupt = kernel.interrupt();
    },
  });
  assert.equal(await interrupt, "interrupted");
  assert.equal(result.status, "error");
  assert.equal(result.error?.ename, "InterruptError");
  assert.equal(result.error?.evalue, "Interrupted (SIGINT) while running synchronous code");
  assert.deepEqual(text((await kernel.execute("beforeLoop")).outputs), ["result: 'kept'"]);
});

test("interrupt() rejects a cell waiting on a promise and aborts the cells queued behind it", async () => {
  let interrupt: Promise<string> | undefined;
  const waiting = kernel.execute("console.log('waiting forever')\nawait new Promise(() => {})", {
    onOutput: (o) => {
      if (o.output_type === "stream") interrupt = kernel.interrupt();
    },
  });
  const queued = kernel.execute("'never runs'");
  const [first, second] = await Promise.all([waiting, queued]);
  assert.equal(await interrupt, "interrupted");
  assert.equal(first.status, "error");
  assert.deepEqual([first.error?.ename, first.error?.evalue], ["InterruptError", "Interrupted"]);
  assert.deepEqual({ status: second.status, executionCount: second.executionCount, outputs: second.outputs }, { status: "aborted", executionCount: 0, outputs: [] });
  assert.equal(kernel.status, "idle");
  assert.equal((await kernel.execute("'runs again'")).status, "ok");
});

test("complete() lists names in scope and members of live objects, each once, with kinds and signatures", async () => {
  await kernel.execute("const completeMe = { alpha: 1, alps: 2, beta: 3 }");
  assert.deepEqual(await kernel.complete("completeMe.al", 13), {
    matches: ["alpha", "alps"], cursorStart: 11, cursorEnd: 13,
    items: [{ text: "alpha", type: "property", signature: "number" }, { text: "alps", type: "property", signature: "number" }],
  });
  const names = await kernel.complete("x = complete", 12);
  assert.deepEqual(names, { matches: ["completeMe"], cursorStart: 4, cursorEnd: 12, items: [{ text: "completeMe", type: "variable", signature: "Object" }] });
  // Private-by-convention members are hidden unless asked for; a subclass's method is listed once.
  await kernel.execute("class Base { _hidden = 1; go(a: number) { return a } }\nclass Sub extends Base { go(a: number) { return a + 1 } }\nconst sub = new Sub()");
  const members = await kernel.complete("sub.", 4);
  assert.deepEqual(members.matches, ["go"]);
  assert.deepEqual(members.items, [{ text: "go", type: "method", signature: "go(a)" }]);
  assert.deepEqual((await kernel.complete("sub._", 5)).matches, ["_hidden"]);
});

test("inspect() describes the live value under the cursor, for hovers", async () => {
  await kernel.execute('const hoverTable = tableFromArrays({ n: Int32Array.from([1, 2]) });');
  assert.equal(await kernel.inspect("hoverTable.numRows", 3), "hoverTable: Table\n2 rows × 1 columns: n: Int32");
  assert.equal(await kernel.inspect("x = completeMe.alpha", 17), "completeMe.alpha: number\n1");
  assert.equal(await kernel.inspect("nothingByThatName", 3), undefined);
});

test("variables() lists what the cells declared: name, type, short value; Arrow tables with rows, columns and schema", async () => {
  await kernel.execute([
    'const varTable = tableFromArrays({ text: ["a", "b", "c"], score: Float64Array.from([1, 2, 3]) });',
    "let varCount = 42;",
    'const varWords = ["x", "y"];',
    "function varFn(a: number, b: number) { return a + b; }",
    "const varArrow = async (row: string) => row;",
  ].join("\n"));
  const vars = (await kernel.variables()).filter((v) => v.name.startsWith("var"));
  assert.deepEqual(vars, [
    {
      name: "varTable", type: "Table", value: "3 rows × 2 columns: text: Dictionary<Int32, Utf8>, score: Float64", rows: 3, columns: 2,
      schema: [{ name: "text", type: "Dictionary<Int32, Utf8>" }, { name: "score", type: "Float64" }],
    },
    { name: "varCount", type: "number", value: "42" },
    { name: "varWords", type: "string[]", value: "[ 'x', 'y' ]" },
    { name: "varFn", type: "function", value: "varFn(a, b)" },
    { name: "varArrow", type: "function", value: "varArrow(row)" },
  ]);
});

test("restart() starts a fresh process without the old state", async () => {
  await kernel.execute("const beforeRestart = 1");
  const pid = kernel.pid;
  const statuses: string[] = [];
  const off = kernel.on("status", (s) => statuses.push(s));
  await kernel.restart();
  off();
  assert.notEqual(kernel.pid, pid);
  assert.deepEqual(statuses, ["restarting", "idle"]);
  assert.deepEqual(text((await kernel.execute("typeof beforeRestart")).outputs), ["result: 'undefined'"]);
});

test("interrupt() restarts the kernel, saying so, when a loop after an await ignores SIGINT", async () => {
  let interrupt: Promise<string> | undefined;
  const result = await kernel.execute("await null\nconsole.log('stuck')\nwhile (true) {}", {
    onOutput: (o) => {
      if (o.output_type === "stream") interrupt = kernel.interrupt({ restartAfterMs: 300 });
    },
  });
  assert.equal(await interrupt, "restarted");
  assert.equal(result.status, "error");
  assert.equal(result.error?.ename, "KernelRestarted");
  assert.equal(
    result.error?.evalue,
    "The kernel did not stop within 300 ms of the interrupt (a synchronous loop after an await cannot be interrupted), so it was restarted: all variables and imports were lost.",
  );
  assert.equal((await kernel.execute("1")).status, "ok");
});

test("execute() after shutdown() is a misuse error naming the state", async () => {
  const k = await KernelClient.start({ cwd: dir });
  await k.shutdown();
  assert.equal(k.status, "dead");
  await assert.rejects(k.execute("1"), { message: "KernelClient.execute(): the kernel is not running (status dead)" });
});

test("with typeCheck, each executed cell gets its type errors as a diagnostics event, mapped to the cell's lines", async () => {
  const k = await KernelClient.start({ cwd: dir, typeCheck: true });
  try {
    const received = new Promise<unknown[]>((resolve) => {
      const events: unknown[] = [];
      k.on("diagnostics", (event) => {
        events.push(event);
        if (events.length === 2) resolve(events);
      });
    });
    assert.equal((await k.execute("const count: number = 1", { cellId: "a" })).status, "ok");
    assert.equal((await k.execute("// uses the first cell\n\nconst name: string = count", { cellId: "b" })).status, "ok");
    assert.deepEqual(await received, [
      { executionCount: 1, cellId: "a", diagnostics: [] },
      { executionCount: 2, cellId: "b", diagnostics: [{ line: 3, column: 7, code: 2322, category: "error", message: "Type 'number' is not assignable to type 'string'." }] },
    ]);
  } finally {
    await k.shutdown();
  }
});

test("output written between cells (a timer's console.log) arrives as an idleOutput event", async () => {
  const k = await KernelClient.start({ cwd: dir });
  try {
    const idle = new Promise<unknown>((resolve) => k.on("idleOutput", resolve));
    const result = await k.execute("setTimeout(() => console.log('later'), 1)\n'scheduled'");
    assert.deepEqual(text(result.outputs), ["result: 'scheduled'"]);
    assert.deepEqual(await idle, { name: "stdout", text: "later\n" });
  } finally {
    await k.shutdown();
  }
});

test("aborting execute()'s signal interrupts that cell", async () => {
  const controller = new AbortController();
  const result = await kernel.execute("console.log('started')\nawait new Promise(() => {})", {
    signal: controller.signal,
    onOutput: (o) => {
      if (o.output_type === "stream") controller.abort();
    },
  });
  assert.equal(result.status, "error");
  assert.equal(result.error?.ename, "InterruptError");
});
