import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { KernelClient } from "../../kernel/client.js";
import { outputLines } from "../helpers/kernel-outputs.js";

// A cell's top-level names that no function uses are locals of the cell's function, copied to their globals at sync
// points (kernel/cell-bindings.ts). These tests run cells in one real kernel process and check that nothing a user can
// do tells the difference from names that are globals all along.
let dir: string;
let kernel: KernelClient;

before(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), "chalknb-bindings-")));
  kernel = await KernelClient.start({ cwd: dir });
});

after(async () => {
  await kernel?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

const text = outputLines;

async function value(code: string): Promise<string[]> {
  return text((await kernel.execute(code)).outputs);
}

/** Runs `code`, interrupts it at its first output, and returns the cell's error name and message. */
async function interrupted(code: string): Promise<[string | undefined, string | undefined]> {
  let interrupt: Promise<string> | undefined;
  const result = await kernel.execute(code, {
    onOutput: (o) => {
      if (o.output_type === "stream") interrupt ??= kernel.interrupt();
    },
  });
  assert.equal(await interrupt, "interrupted");
  return [result.error?.ename, result.error?.evalue];
}

test("a hot loop's own let persists: later cells read and assign it, and a re-run starts it again", async () => {
  const loop = "let total = 0;\nfor (let i = 0; i < 1000; i++) total += i;\ntotal";
  assert.deepEqual(await value(loop), ["result: 499500"]);
  assert.deepEqual(await value("total += 1;\ntotal"), ["result: 499501"]);
  assert.deepEqual(await value(loop), ["result: 499500"]);
  assert.deepEqual(await value("const total = 'redeclared';\ntotal"), ["result: 'redeclared'"]);
  assert.deepEqual(await value("typeof total"), ["result: 'string'"]);
});

test("a function from an earlier cell reads and writes the name a later cell declares again", async () => {
  assert.equal((await kernel.execute("let count = 0;\nfunction bump() { count++ }")).status, "ok");
  assert.deepEqual(await value("let count = 10;\nbump();\nbump();\ncount"), ["result: 12"]);
  assert.deepEqual(await value("const limit = 1;\nconst readLimit = () => limit;\nreadLimit()"), ["result: 1"]);
  assert.deepEqual(await value("const limit = 2;\nreadLimit()"), ["result: 2"]);
});

test("a re-run cell's names become globals once a later cell's function uses them", async () => {
  await kernel.execute("const seenLevels: unknown[] = []");
  // `peek` reads `level` in the middle of the loop's statement: only a global shows it the loop's values.
  const cell = "let level = 0;\nfor (let i = 1; i <= 3; i++) { level = i; seenLevels.push(typeof peek === 'function' ? peek() : 'none') }";
  await kernel.execute(cell);
  await kernel.execute("function peek() { return level }");
  await kernel.execute(cell);
  assert.deepEqual(await value("seenLevels"), ["result: [ 'none', 'none', 'none', 1, 2, 3 ]"]);
});

test("a cell that throws keeps what it assigned before the throw, and the error points at the cell's line", async () => {
  const result = await kernel.execute("let progress = 0;\nfor (let i = 0; i < 10; i++) {\n  progress = i;\n  if (i === 6) throw new Error('stop at 6');\n}");
  assert.equal(result.status, "error");
  assert.deepEqual([result.error?.ename, result.error?.evalue], ["Error", "stop at 6"]);
  assert.equal(result.error?.traceback[1], `    at cell[${result.executionCount}]:4:22`);
  assert.deepEqual(await value("progress"), ["result: 6"]);
});

test("names assigned before an await are visible while the cell waits, and kept when it is interrupted there", async () => {
  let listed: Promise<unknown> | undefined;
  let interrupt: Promise<string> | undefined;
  const result = await kernel.execute(
    "let fetched = 'first';\nlet ticks = 0;\nfor (;;) {\n  ticks++;\n  if (ticks === 3) { console.log('waiting'); await new Promise(() => {}) }\n  await null;\n}",
    {
      onOutput: (o) => {
        if (o.output_type !== "stream") return;
        listed = kernel.variables().then((vars) => vars.filter((v) => v.name === "fetched" || v.name === "ticks"));
        interrupt = listed.then(() => kernel.interrupt());
      },
    },
  );
  assert.equal(await interrupt, "interrupted");
  assert.deepEqual([result.error?.ename, result.error?.evalue], ["InterruptError", "Interrupted"]);
  assert.deepEqual(await listed, [
    { name: "fetched", type: "string", value: "'first'" },
    { name: "ticks", type: "number", value: "3" },
  ]);
  assert.deepEqual(await value("[fetched, ticks]"), ["result: [ 'first', 3 ]"]);
});

test("a synchronous loop stopped by SIGINT leaves the names it writes as they were before that statement", async () => {
  assert.deepEqual(await interrupted("let spins = 5;\nspins = 0;\nconsole.log('spinning');\nwhile (true) spins++"), [
    "InterruptError",
    "Interrupted (SIGINT) while running synchronous code",
  ]);
  assert.deepEqual(await value("spins"), ["result: 0"]);
});

test("a loop over an earlier cell's let adds to it, and a later cell reads the sum", async () => {
  await kernel.execute("let earlierSum = 0;\nconst earlierScale = 0.5;");
  assert.deepEqual(await value("for (let i = 0; i < 1000; i++) earlierSum += i * earlierScale;\nearlierSum"), ["result: 249750"]);
  assert.deepEqual(await value("earlierSum"), ["result: 249750"]);
});

test("after an await a cell reads again what other code set meanwhile, and does not write back what it only read", async () => {
  await kernel.execute("let shared = 'before';\nlet mine = 1;");
  // The timer's callback sets the globals by computed names, which no compiler can see.
  const set = "setTimeout(() => { globalThis['sha' + 'red'] = 'changed'; globalThis['mi' + 'ne'] = 2 }, 1)";
  assert.deepEqual(await value(`const seenBefore = shared;\n${set};\nawait new Promise((r) => setTimeout(r, 20));\n[seenBefore, shared, mine]`), [
    "result: [ 'before', 'changed', 2 ]",
  ]);
  // Read before the await only: the cell must not put back the value it read.
  await kernel.execute("shared = 'before'");
  assert.deepEqual(await value(`const readOnly = shared;\n${set};\nawait new Promise((r) => setTimeout(r, 20));\nreadOnly`), ["result: 'before'"]);
  assert.deepEqual(await value("shared"), ["result: 'changed'"]);
});

test("eval in a cell sees and assigns the cell's names", async () => {
  assert.deepEqual(await value("let evaluated = 1;\neval('evaluated = 2');\nevaluated"), ["result: 2"]);
  assert.deepEqual(await value("evaluated"), ["result: 2"]);
});

test("the variables view and completions read a cell's names after it ran", async () => {
  await kernel.execute("let localSum = 0;\nfor (let i = 0; i < 4; i++) localSum += i * 0.5;");
  assert.deepEqual((await kernel.variables()).filter((v) => v.name === "localSum"), [{ name: "localSum", type: "number", value: "3" }]);
  assert.deepEqual((await kernel.complete("localS", 6)).items, [{ text: "localSum", type: "variable", signature: "number" }]);
});
