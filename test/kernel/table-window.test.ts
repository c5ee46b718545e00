import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { KernelClient } from "../../kernel/client.js";
import type { KernelOutput } from "../../kernel/messages.js";

// The window protocol against a real kernel process: a table displayed by a cell stays in the kernel under a handle;
// windows, sorted and filtered views are asked for by that handle, as the renderer does through the extension.
const ARROW = "application/vnd.apache.arrow.file";
let dir: string;
let kernel: KernelClient;

before(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), "chalknb-tables-")));
  kernel = await KernelClient.start({ cwd: dir });
});

after(async () => {
  await kernel?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

interface Meta {
  numRows: number;
  totalRows: number;
  truncated: boolean;
  handle: string;
}

function arrowOutput(outputs: KernelOutput[]): { bytes: Buffer; meta: Meta } {
  const out = outputs.find((o) => o.output_type === "execute_result" || o.output_type === "display_data");
  assert.ok(out && "data" in out, `no rich output in ${JSON.stringify(outputs).slice(0, 400)}`);
  return { bytes: Buffer.from(String(out.data[ARROW]), "base64"), meta: out.metadata[ARROW] as Meta };
}

async function show(code: string): Promise<{ bytes: Buffer; meta: Meta }> {
  const result = await kernel.execute(code);
  assert.equal(result.status, "ok", JSON.stringify(result.outputs).slice(0, 600));
  return arrowOutput(result.outputs);
}

const BIG = `const n = 250_000;
const big = tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i), score: Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000), label: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? "fizz" : "row " + i)) });
big`;

test("a large table's output holds a preview of the first rows and the true row count, with a handle", async () => {
  const { bytes, meta } = await show(BIG);
  assert.equal(meta.totalRows, 250_000);
  assert.equal(meta.numRows, 1000);
  assert.equal(meta.truncated, true);
  assert.match(meta.handle, /^k[0-9a-f]+-t\d+$/);
  const preview = tableFromIPC(bytes);
  assert.equal(preview.numRows, 1000);
  assert.equal(preview.getChild("id")!.get(999), 999);
});

test("windows anywhere in the table, the last row included; an end past the last row is clamped", async () => {
  const { meta } = await show("big");
  const reply = await kernel.tableRequest(meta.handle, "window", { start: 249_990, end: 250_500 });
  assert.ok(reply.ok, JSON.stringify(reply));
  assert.deepEqual({ ...(reply.result as object), rowIndex: undefined }, { start: 249_990, end: 250_000, numRows: 250_000, rowIndex: undefined });
  const rows = tableFromIPC(Buffer.from(reply.ipc!, "base64"));
  assert.equal(rows.numRows, 10);
  assert.equal(rows.getChild("id")!.get(9), 249_999);
  assert.equal(rows.getChild("label")!.get(8), "row 249998");
});

test("out-of-range and malformed windows are refused with a message that says why", async () => {
  const { meta } = await show("big");
  const past = await kernel.tableRequest(meta.handle, "window", { start: 300_000, end: 300_010 });
  assert.deepEqual(past, { ok: false, code: "CHALKNB_INVALID_ARGUMENT", message: "window starts at row 300000 but there are 250000 rows (last row 249999)" });
  const negative = await kernel.tableRequest(meta.handle, "window", { start: -5, end: 10 });
  assert.equal(negative.ok, false);
  assert.match(!negative.ok ? negative.message : "", /whole row numbers/);
  const backwards = await kernel.tableRequest(meta.handle, "window", { start: 10, end: 5 });
  assert.match(!backwards.ok ? backwards.message : "", /end \(5\) is before its start \(10\)/);
  const huge = await kernel.tableRequest(meta.handle, "window", { start: 0, end: 50_000 });
  assert.match(!huge.ok ? huge.message : "", /at most 10000/);
  const unknown = await kernel.tableRequest(meta.handle, "explode", {});
  assert.equal(!unknown.ok && unknown.code, "CHALKNB_UNKNOWN_OP");
  assert.match(!unknown.ok ? unknown.message : "", /unknown table op "explode"; the kernel knows: .*window/);
});

test("sort makes a view in the kernel; windows read through it (descending, ties in row order)", async () => {
  const { meta } = await show("big");
  const sorted = await kernel.tableRequest(meta.handle, "sort", { column: "score", descending: true });
  assert.ok(sorted.ok, JSON.stringify(sorted));
  const { view, numRows } = sorted.result as { view: string; numRows: number };
  assert.equal(numRows, 250_000);
  const top = await kernel.tableRequest(meta.handle, "window", { start: 0, end: 3, view });
  assert.ok(top.ok);
  const rows = tableFromIPC(Buffer.from(top.ipc!, "base64"));
  assert.deepEqual([...rows.getChild("score")!], [999, 999, 999]);
  const ids = [...rows.getChild("id")!] as number[];
  assert.deepEqual([...ids].sort((a, b) => a - b), ids, "ties keep row order");
  assert.deepEqual((top.result as { rowIndex: number[] }).rowIndex, ids);
  const bad = await kernel.tableRequest(meta.handle, "sort", { column: "nope" });
  assert.deepEqual(bad, { ok: false, code: "CHALKNB_INVALID_ARGUMENT", message: "no column \"nope\" in the table; its columns: id, score, label" });
});

test("filter by an expression or by text; the view keeps the sort", async () => {
  const { meta } = await show("big");
  const filtered = await kernel.tableRequest(meta.handle, "filter", { expression: "id < 100", sort: { column: "id", descending: true } });
  assert.ok(filtered.ok, JSON.stringify(filtered));
  const { view, numRows } = filtered.result as { view: string; numRows: number };
  assert.equal(numRows, 100);
  const w = await kernel.tableRequest(meta.handle, "window", { start: 0, end: 2, view });
  assert.deepEqual([...tableFromIPC(Buffer.from((w as { ipc: string }).ipc, "base64")).getChild("id")!], [99, 98]);
  const text = await kernel.tableRequest(meta.handle, "filter", { expression: "fizz" });
  assert.equal(text.ok && (text.result as { numRows: number }).numRows, Math.ceil(250_000 / 3));
  const notNumber = await kernel.tableRequest(meta.handle, "filter", { expression: "score > lots" });
  assert.match(!notNumber.ok ? notNumber.message : "", /column "score" holds numbers but "lots" is not a number/);
});

test("a handle from before a kernel restart gets a clear message, not rows", async () => {
  const { meta } = await show("big");
  await kernel.restart();
  const reply = await kernel.tableRequest(meta.handle, "window", { start: 0, end: 10 });
  assert.equal(reply.ok, false);
  assert.equal(!reply.ok && reply.code, "CHALKNB_STALE_HANDLE");
  assert.match(!reply.ok ? reply.message : "", /kernel that is no longer running.*run the cell again to browse all rows/);
});

test("a small table is whole in its output; configure({ fullTables }) puts whole large tables in outputs", async () => {
  const small = await show("tableFromArrays({ x: [1, 2, 3] })");
  assert.deepEqual({ ...small.meta, handle: undefined }, { numRows: 3, totalRows: 3, truncated: false, handle: undefined });
  await kernel.configure({ fullTables: true });
  const whole = await show("tableFromArrays({ x: Int32Array.from({ length: 5000 }, (_, i) => i) })");
  assert.equal(whole.meta.numRows, 5000);
  assert.equal(tableFromIPC(whole.bytes).numRows, 5000);
  await kernel.configure({ fullTables: false });
});

test("a sorted window of a float-vector table carries the vectors of the rows it names; vectors sort by norm", async () => {
  const { meta } = await show(`const vecs = tableFromArrays({ id: Int32Array.from([0, 1, 2, 3]) });
const emb = arrow.vectorFromArray([[3, 4], [1, 0], null, [0, 2]], new arrow.List(new arrow.Field("item", new arrow.Float32(), true)));
new arrow.Table({ id: vecs.getChild("id")!, emb })`);
  const sorted = await kernel.tableRequest(meta.handle, "sort", { column: "emb", descending: true });
  assert.ok(sorted.ok, JSON.stringify(sorted));
  const w = await kernel.tableRequest(meta.handle, "window", { start: 0, end: 4, view: (sorted.result as { view: string }).view });
  assert.ok(w.ok, JSON.stringify(w));
  const rows = tableFromIPC(Buffer.from(w.ipc!, "base64"));
  assert.deepEqual([...rows.getChild("id")!], [0, 3, 1, 2], "norms 5, 2, 1, then the null row");
  assert.deepEqual([...rows.getChild("emb")!.get(0)!], [3, 4]);
  assert.deepEqual([...rows.getChild("emb")!.get(1)!], [0, 2]);
  assert.equal(rows.getChild("emb")!.get(3), null);
});
