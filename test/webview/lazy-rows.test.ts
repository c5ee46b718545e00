import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { tableFromIPC, type Table } from "apache-arrow";
import { KernelClient } from "../../kernel/client.js";
import { BLOCK_ROWS, LazyRows, type TableSourceLike } from "../../webview/lib/lazy-rows.js";

// The grid's row source against a real kernel process: the source's requests go to KernelClient.tableRequest, the
// hop the extension makes for the renderer.
let dir: string;
let kernel: KernelClient;

before(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), "chalknb-lazy-rows-")));
  kernel = await KernelClient.start({ cwd: dir });
});

after(async () => {
  await kernel?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

async function shown(code: string) {
  const result = await kernel.execute(code);
  const out = result.outputs.find((o) => o.output_type === "execute_result");
  assert.ok(out && "data" in out, JSON.stringify(result.outputs).slice(0, 500));
  const meta = out.metadata["application/vnd.apache.arrow.file"] as { totalRows: number; handle: string };
  const preview = tableFromIPC(Buffer.from(String(out.data["application/vnd.apache.arrow.file"]), "base64"));
  const source: TableSourceLike = {
    numRows: meta.totalRows,
    async request(op, args) {
      const reply = await kernel.tableRequest(meta.handle, op, args);
      if (!reply.ok) throw Object.assign(new Error(reply.message), { code: reply.code });
      return { result: reply.result as never, ipc: reply.ipc === undefined ? undefined : new Uint8Array(Buffer.from(reply.ipc, "base64")) };
    },
  };
  return { preview, source };
}

/** A LazyRows whose hooks resolve promises: the next batch of rows, or the next error. */
function lazyRows(source: TableSourceLike, preview: Table) {
  let onRows: () => void = () => undefined;
  let onError: (m: string) => void = () => undefined;
  const rows = new LazyRows(source, preview, { onRows: () => onRows(), onError: (m) => onError(m) });
  return {
    rows,
    nextRows: () => new Promise<void>((r) => (onRows = r)),
    nextError: () => new Promise<string>((r) => (onError = r)),
  };
}

const CELL = "const t = tableFromArrays({ id: Int32Array.from({ length: 50_000 }, (_, i) => i), word: Array.from({ length: 50_000 }, (_, i) => 'w' + (49_999 - i)) }); t";

test("the preview's rows are there at once; rows past it arrive by window, the last row included", async () => {
  const { preview, source } = await shown(CELL);
  const { rows, nextRows } = lazyRows(source, preview);
  assert.equal(rows.numRows, 50_000);
  assert.equal(rows.row(0)?.value(0), 0);
  assert.equal(rows.blockRows, BLOCK_ROWS, "narrow rows: whole blocks");
  assert.equal(rows.row(3 * BLOCK_ROWS - 1)?.dataRow, 3 * BLOCK_ROWS - 1, "whole preview blocks need no request");
  assert.equal(rows.row(49_999), null, "not fetched yet");
  const arrived = nextRows();
  rows.want(49_990, 50_000);
  await arrived;
  const last = rows.row(49_999)!;
  assert.deepEqual([last.dataRow, last.value(0), last.value(1)], [49_999, 49_999, "w0"]);
});

test("a sorted view comes from the kernel; its rows name their table rows", async () => {
  const { preview, source } = await shown(CELL);
  const { rows, nextRows } = lazyRows(source, preview);
  await rows.setView({ sort: { column: "word", descending: false }, filter: null });
  const arrived = nextRows();
  rows.want(0, 10);
  await arrived;
  // "w0" < "w1" < "w10" < "w100" …: the first word is w0, in table row 49,999.
  assert.deepEqual([rows.row(0)!.value(1), rows.row(0)!.dataRow], ["w0", 49_999]);
  assert.equal(rows.viewRowOf(49_999), 0);
  await rows.setView({ sort: null, filter: "id >= 49990" });
  assert.equal(rows.numRows, 10);
  const filtered = nextRows();
  rows.want(0, 10);
  await filtered;
  assert.equal(rows.row(9)!.dataRow, 49_999);
});

test("after a kernel restart a window request fails once with the kernel's message, and no more are sent", async () => {
  const { preview, source } = await shown(CELL);
  const { rows, nextError } = lazyRows(source, preview);
  await kernel.restart();
  const failed = nextError();
  rows.want(20_000, 20_020);
  assert.match(await failed, /no longer running.*run the cell again to browse all rows/);
  assert.match(rows.failure ?? "", /no longer running/);
  assert.equal(rows.row(20_000), null);
  assert.equal(rows.row(0)?.value(0), 0, "the preview still shows");
});

test("a filter the kernel cannot read is refused with its reason", async () => {
  const { preview, source } = await shown(CELL);
  const { rows, nextError } = lazyRows(source, preview);
  const failed = nextError();
  await assert.rejects(rows.setView({ sort: null, filter: "id > many" }), /column "id" holds numbers but "many" is not a number/);
  assert.match(await failed, /not a number/);
  assert.equal(rows.numRows, 50_000, "the view is unchanged");
});

test("a view of chosen rows (the inspector's selection) shows just them, in row order; filter and sort apply within them", async () => {
  const { preview, source } = await shown(CELL);
  const { rows, nextRows } = lazyRows(source, preview);
  // Unsorted, with a repeat: the kernel shows each row once, in row order.
  const chosen = [49_999, 7, 30_000, 7, 12];
  await rows.setView({ sort: null, filter: null, rows: chosen });
  assert.equal(rows.numRows, 4);
  let arrived = nextRows();
  rows.want(0, 4);
  await arrived;
  assert.deepEqual([0, 1, 2, 3].map((i) => rows.row(i)!.dataRow), [7, 12, 30_000, 49_999]);
  assert.deepEqual([0, 1, 2, 3].map((i) => rows.row(i)!.value(0)), [7, 12, 30_000, 49_999]);
  assert.equal(rows.viewRowOf(30_000), 2);

  await rows.setView({ sort: { column: "id", descending: true }, filter: "id >= 12", rows: chosen });
  assert.equal(rows.numRows, 3);
  arrived = nextRows();
  rows.want(0, 3);
  await arrived;
  assert.deepEqual([0, 1, 2].map((i) => rows.row(i)!.dataRow), [49_999, 30_000, 12]);

  await rows.setView({ sort: null, filter: null, rows: null });
  assert.equal(rows.numRows, 50_000, "null: all rows again");
  assert.equal(rows.row(5)?.dataRow, 5);
});

test("a chosen row past the table's end is refused with the table's size", async () => {
  const { preview, source } = await shown(CELL);
  const { rows } = lazyRows(source, preview);
  await assert.rejects(rows.setView({ sort: null, filter: null, rows: [3, 50_000] }), /row 50000 is not a row of the table \(it has 50000 rows/);
  assert.equal(rows.numRows, 50_000, "the view is unchanged");
});
