import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { repoRoot } from "../helpers/paths.js";
import { installSpec, runScenario, skipReason, type Executed } from "./jupyter-clients.js";

// The kernel started by jupyter_client's KernelManager from the kernelspec `chalknb jupyter install` wrote, and driven
// by its BlockingKernelClient (test/jupyter/scenarios.py): what a real Jupyter frontend sends and gets.

type Basics = Record<string, unknown> & {
  kernel_info: Record<string, unknown>;
  state: Executed[];
  redeclare: Executed[];
  await: Executed;
  error: Executed;
  arrow: Executed;
  display: Executed;
  silent: Executed;
  silent_error: Executed;
  no_history: Executed;
  user_expressions: Executed;
  stop_on_error: Executed[];
  after_abort: Executed;
};

const result = (e: Executed) => e.outputs.find((o) => o.msg_type === "execute_result")?.data as Record<string, unknown> | undefined;

describe("Jupyter kernel under jupyter_client", { skip: skipReason }, () => {
  let jupyterPath: string;
  let dir: string;
  let basics: Basics;

  before(async () => {
    jupyterPath = await installSpec();
    await mkdir(path.join(repoRoot, "test-artifacts"), { recursive: true });
    dir = await mkdtemp(path.join(repoRoot, "test-artifacts", "jupyter-"));
    basics = await runScenario<Basics>(jupyterPath, ["basics", dir, path.join(dir, "kernel-basics.log")]);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    if (jupyterPath) await rm(path.resolve(jupyterPath, "../.."), { recursive: true, force: true });
  });

  test("kernel_info_reply names TypeScript, protocol 5.3", () => {
    const info = basics.kernel_info;
    assert.equal(info.status, "ok");
    assert.equal(info.protocol_version, "5.3");
    assert.equal(info.implementation, "chalknb");
    assert.deepEqual(info.language_info, {
      name: "typescript",
      version: "5",
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: "typescript",
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    });
  });

  test("state persists across cells and a const can be declared again", () => {
    const [declare, use] = basics.state;
    assert.deepEqual(declare!.reply, { status: "ok", execution_count: 1, payload: [], user_expressions: {} });
    assert.deepEqual(declare!.outputs, [{ msg_type: "execute_input", code: "const abc = 1", execution_count: 1 }]);
    assert.deepEqual(result(use!), { "text/plain": "2" });
    assert.equal(basics.redeclare[0]!.reply.status, "ok");
    assert.deepEqual(result(basics.redeclare[1]!), { "text/plain": "2" });
  });

  test("top-level await, typed declarations and console output as a stream", () => {
    assert.deepEqual(basics.await.outputs.slice(1), [
      { msg_type: "stream", name: "stdout", text: "waited 7\n" },
      { msg_type: "execute_result", execution_count: 5, data: { "text/plain": "42" }, metadata: {} },
    ]);
  });

  test("an error carries ename, evalue and a traceback on the cell's own line", () => {
    const traceback = ["RangeError: boom", "    at cell[6]:2:7", "cell[6], line 2:", "  2 | throw new RangeError('boom')", "    |       ^"];
    assert.deepEqual(basics.error.reply, { status: "error", execution_count: 6, ename: "RangeError", evalue: "boom", traceback });
    assert.deepEqual(basics.error.outputs[1], { msg_type: "error", ename: "RangeError", evalue: "boom", traceback });
  });

  test("complete_request after `const abc = 1` suggests abc; members of live objects; cursor in code points", () => {
    assert.deepEqual(basics.complete, { status: "ok", matches: ["abc"], cursor_start: 0, cursor_end: 2, metadata: {} });
    assert.deepEqual(basics.complete_member, { status: "ok", matches: ["numCols", "numRows"], cursor_start: 4, cursor_end: 7, metadata: {} });
    // "const é = '€😀'; ab": 😀 is two UTF-16 units but one code point, as Jupyter counts.
    assert.deepEqual(basics.complete_unicode, { status: "ok", matches: ["abc"], cursor_start: 16, cursor_end: 18, metadata: {} });
  });

  test("an Arrow table result is Arrow IPC file bytes, a text preview and an escaped HTML table", () => {
    const data = result(basics.arrow)!;
    assert.deepEqual(Object.keys(data).sort(), ["application/vnd.apache.arrow.file", "text/html", "text/plain"]);
    const table = tableFromIPC(Buffer.from(data["application/vnd.apache.arrow.file"] as string, "base64"));
    assert.deepEqual(table.toArray().map((r) => r.toJSON()), [{ x: 1.5, name: "a" }, { x: 2.5, name: "b" }, { x: 3.5, name: "<c>" }]);
    assert.equal(
      data["text/html"],
      '<table class="chalknb-arrow"><caption>3 rows × 2 columns</caption><thead><tr><th title="Float64">x</th><th title="Dictionary&#60;Int32, Utf8&#62;">name</th></tr></thead>' +
        "<tbody><tr><td>1.5</td><td>&#34;a&#34;</td></tr><tr><td>2.5</td><td>&#34;b&#34;</td></tr><tr><td>3.5</td><td>&#34;&#60;c&#62;&#34;</td></tr></tbody></table>",
    );
    assert.match(data["text/plain"] as string, /^Table: 3 rows × 2 columns\n/);
  });

  test("display() opens a display_data with a display id; its handle updates it in place", () => {
    assert.deepEqual(basics.display.outputs.slice(1, 3), [
      { msg_type: "display_data", data: { "text/plain": "first" }, metadata: {}, transient: { display_id: "display-1" } },
      { msg_type: "update_display_data", data: { "text/plain": "second" }, metadata: {}, transient: { display_id: "display-1" } },
    ]);
  });

  test("inspect_request describes a live function; an unknown name is not found", () => {
    assert.deepEqual(basics.inspect, { status: "ok", found: true, data: { "text/plain": "greet: function greet(name, times = 1)" }, metadata: {} });
    assert.deepEqual(basics.inspect_missing, { status: "ok", found: false, data: {}, metadata: {} });
  });

  test("is_complete_request: complete, incomplete with an indent, invalid", () => {
    assert.deepEqual(basics.is_complete, [
      { status: "complete" },
      { status: "incomplete", indent: "  " },
      { status: "incomplete", indent: "    " },
      { status: "invalid" },
      { status: "incomplete", indent: "  " },
    ]);
  });

  test("comm_info_request is answered with no comms", () => {
    assert.deepEqual(basics.comm_info, { status: "ok", comms: {} });
  });

  test("silent execution publishes nothing; user_expressions are evaluated after the cell", () => {
    assert.deepEqual(basics.silent.outputs, []);
    assert.equal(basics.silent.reply.status, "ok");
    assert.equal(basics.user_expressions.reply.execution_count, 11);
    assert.deepEqual((basics.user_expressions.reply as { user_expressions: unknown }).user_expressions, {
      next: { status: "ok", data: { "text/plain": "42" }, metadata: {} },
      bad: { status: "error", ename: "SyntaxError", evalue: "Unexpected end of input", traceback: ["SyntaxError: Unexpected end of input"] },
    });
  });

  test("silent and store_history: false runs take no execution count; a silent error maps to its own lines", () => {
    // Ten counted cells ran before them; the next counted cell (user_expressions) is the eleventh.
    assert.deepEqual(basics.silent.reply, { status: "ok", execution_count: 10, payload: [], user_expressions: {} });
    assert.deepEqual(basics.silent_error.reply, {
      status: "error",
      execution_count: 10,
      ename: "Error",
      evalue: "quiet",
      traceback: ["Error: quiet", "    at silent[2]:2:7", "silent[2], line 2:", "  2 | throw new Error('quiet')", "    |       ^"],
    });
    assert.equal(basics.no_history.reply.execution_count, 10);
    assert.deepEqual(basics.no_history.outputs, [
      { msg_type: "execute_input", code: "abc * 10", execution_count: 10 },
      { msg_type: "execute_result", execution_count: 10, data: { "text/plain": "20" }, metadata: {} },
    ]);
  });

  test("input() asks the frontend on stdin; stop_on_error aborts the cell queued behind a failing one", () => {
    assert.deepEqual(basics.input_request, { prompt: "go? ", password: false });
    const [failed, aborted] = basics.stop_on_error;
    assert.equal(failed!.reply.evalue, "stopped at gate");
    assert.deepEqual(aborted, { reply: { status: "aborted", execution_count: 12 }, outputs: [] });
    assert.deepEqual(result(basics.after_abort), { "text/plain": "'undefined'" });
  });

  test("shutdown_request ends the kernel process", () => {
    assert.equal(basics.alive_after_shutdown, false);
  });
});

describe("Jupyter kernel: interrupt, restart, signatures", { skip: skipReason }, () => {
  let jupyterPath: string;
  let dir: string;

  before(async () => {
    jupyterPath = await installSpec();
    await mkdir(path.join(repoRoot, "test-artifacts"), { recursive: true });
    // Inside the repository, so the function file's `import ... from "chalknb"` resolves.
    dir = await mkdtemp(path.join(repoRoot, "test-artifacts", "jupyter-"));
    await mkdir(path.join(dir, "functions"));
    await writeFile(
      path.join(dir, "functions", "hang.ts"),
      'import { defineFunction } from "chalknb";\n// Never answers: a call stays pending until it is cancelled.\n' +
        'export const hang = defineFunction({ name: "hang", maxBatchingSize: 1, maxBufferDuration: 5 }, (_x: number[]) => new Promise<number[]>(() => {}));\n',
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    if (jupyterPath) await rm(path.resolve(jupyterPath, "../.."), { recursive: true, force: true });
  });

  test("interrupt_request on control stops `while (true) {}` and a pending chunkedCall; state survives; restart clears it", async () => {
    const out = await runScenario<Record<string, Executed> & { heartbeat_while_busy: string }>(jupyterPath, ["interrupt", dir, path.join(dir, "kernel-interrupt.log")]);
    assert.equal(out.heartbeat_while_busy, "ping while busy", "the heartbeat answers while a cell spins");
    const spinError = { ename: "InterruptError", evalue: "Interrupted (SIGINT) while running synchronous code", traceback: ["InterruptError: Interrupted (SIGINT) while running synchronous code"] };
    assert.deepEqual(out.spin!.reply, { status: "error", execution_count: 2, ...spinError });
    assert.deepEqual(result(out.after_spin!), { "text/plain": "'state survives'" });
    const callError = { ename: "InterruptError", evalue: "Interrupted (cancelled 1 remote call)", traceback: ["InterruptError: Interrupted (cancelled 1 remote call)"] };
    assert.deepEqual(out.call!.reply, { status: "error", execution_count: 4, ...callError });
    const progress = out.call!.outputs.filter((o) => o.msg_type === "update_display_data").at(-1)!.data as Record<string, { state: string }>;
    assert.equal(progress["application/vnd.chalknb.progress+json"]!.state, "cancelled");
    assert.match((progress as unknown as Record<string, string>)["text/html"]!, /^<div class="chalknb-progress"><progress value="0" max="3"><\/progress> <span>hang: 0\/3 rows/);
    assert.deepEqual(result(out.after_call!), { "text/plain": "'state survives'" });
    assert.deepEqual(result(out.after_restart!), { "text/plain": "'undefined'" });
    assert.equal(out.after_restart!.reply.execution_count, 1);
  });

  test("SIGINT between cells leaves the kernel alive; a cell's own SIGINT listener hears it and busy cells stay interruptible", async () => {
    const out = await runScenario<Record<string, Executed>>(jupyterPath, ["sigint", dir, path.join(dir, "kernel-sigint.log")]);
    assert.deepEqual(result(out.after_signal!), { "text/plain": "'state survives'" });
    assert.equal(out.spin!.reply.ename, "InterruptError");
    assert.equal(out.spin!.reply.evalue, "Interrupted (SIGINT) while running synchronous code");
    assert.deepEqual(result(out.heard!), { "text/plain": "'heard'" });
    assert.deepEqual(result(out.after_listener!), { "text/plain": "'state survives'" });
  });

  test("a message with a wrong or missing HMAC is dropped and logged, never executed", async () => {
    const out = await runScenario<{ check: Executed; log: string[] }>(jupyterPath, ["bad-signature", dir, path.join(dir, "kernel-signature.log")]);
    assert.deepEqual(result(out.check), { "text/plain": "'undefined'" });
    const line = "chalknb jupyter: shell: dropped a message (CHALKNB_JUPYTER_BAD_SIGNATURE): signature does not match the connection key";
    assert.deepEqual(out.log, [line, line]);
  });
});
