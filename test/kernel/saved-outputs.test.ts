import { test } from "node:test";
import assert from "node:assert/strict";
import { tableFromArrays, tableFromIPC, tableToIPC } from "apache-arrow";
import { parseNotebook, serializeNotebook, type NotebookFile, type NotebookOutput } from "../../kernel/notebook-format.js";

// The save rule `chalknb run` and the VS Code serializer share: outputs over the limit are saved as their preview with
// the true row count; "saveFullOutputs": true in the notebook's metadata keeps them whole; handles are never saved.
const ARROW = "application/vnd.apache.arrow.file";

function tableOutput(rows: number, meta: Record<string, unknown> = {}): NotebookOutput {
  const table = tableFromArrays({ id: Int32Array.from({ length: rows }, (_, i) => i), text: Array.from({ length: rows }, (_, i) => `document number ${i}`) });
  const bytes = tableToIPC(table, "file");
  return {
    items: [
      { mime: ARROW, data: Buffer.from(bytes).toString("base64") },
      { mime: "text/plain", data: `Table: ${rows} rows × 2 columns` },
    ],
    metadata: { outputType: "execute_result", [ARROW]: { numRows: rows, totalRows: rows * 10, truncated: true, handle: "kabc-t1", ...meta } },
  };
}

function notebook(outputs: NotebookOutput[], metadata: Record<string, unknown> = {}): NotebookFile {
  return { format: "chalknb", version: 1, metadata, cells: [{ kind: "code", language: "typescript", source: "big", outputs }] };
}

test("an output over the limit is saved as its first rows with the true row count; the file stays under the limit", () => {
  const nb = notebook([tableOutput(100_000)]);
  const before = JSON.stringify(nb).length;
  const text = serializeNotebook(nb, { maxOutputBytes: 64 * 1024 });
  assert.ok(before > 1_000_000, `the output is big (${before} bytes)`);
  assert.ok(text.length < 64 * 1024 + 2048, `saved ${text.length} bytes`);
  const saved = parseNotebook(text).cells[0]!.outputs[0]!;
  const meta = saved.metadata![ARROW] as Record<string, unknown>;
  const preview = tableFromIPC(Buffer.from(String(saved.items.find((i) => i.mime === ARROW)!.data), "base64"));
  assert.ok(preview.numRows > 100 && preview.numRows < 100_000, `${preview.numRows} preview rows`);
  assert.deepEqual(meta, { numRows: preview.numRows, totalRows: 1_000_000, truncated: true, saved: "preview" });
  assert.equal(preview.getChild("text")!.get(preview.numRows - 1), `document number ${preview.numRows - 1}`);
  assert.equal(saved.items.find((i) => i.mime === "text/plain")!.data, "Table: 100000 rows × 2 columns");
});

test("the default limit is 1 MiB per output", () => {
  const text = serializeNotebook(notebook([tableOutput(100_000)]));
  assert.ok(text.length <= 1024 * 1024 + 2048, `saved ${text.length} bytes`);
  assert.ok(text.length > 512 * 1024, "the preview uses the room it has");
});

test("saveFullOutputs: true in the notebook's metadata saves outputs whole", () => {
  const nb = notebook([tableOutput(100_000)], { saveFullOutputs: true });
  const saved = parseNotebook(serializeNotebook(nb, { maxOutputBytes: 64 * 1024 })).cells[0]!.outputs[0]!;
  assert.equal(tableFromIPC(Buffer.from(String(saved.items[0]!.data), "base64")).numRows, 100_000);
  assert.equal(saved.items[0]!.data, nb.cells[0]!.outputs[0]!.items[0]!.data);
});

test("small outputs are saved as they are, without the kernel's handle (stable diffs)", () => {
  const small = tableOutput(10);
  const saved = parseNotebook(serializeNotebook(notebook([small]))).cells[0]!.outputs[0]!;
  assert.deepEqual(saved.items, small.items);
  assert.deepEqual(saved.metadata, { outputType: "execute_result", [ARROW]: { numRows: 10, totalRows: 100, truncated: true } });
});

test("long text is cut with a note that says how to keep it; the file always parses", () => {
  const big = "x".repeat(3 * 1024 * 1024);
  const nb = notebook([{ items: [{ mime: "application/vnd.code.notebook.stdout", data: big }], metadata: { outputType: "stream" } }]);
  const text = serializeNotebook(nb);
  const saved = String(parseNotebook(text).cells[0]!.outputs[0]!.items[0]!.data);
  assert.ok(saved.length <= 1024 * 1024, `${saved.length}`);
  assert.match(saved, /cut to \d+ bytes when saved .*chalknb.maxSavedOutputBytes.*"saveFullOutputs": true/);
});

test("a binary item over the limit with no text fallback is replaced by a note, not saved broken", () => {
  const png = Buffer.alloc(2 * 1024 * 1024, 7).toString("base64");
  const nb = notebook([{ items: [{ mime: "image/png", data: png }], metadata: { outputType: "display_data" } }]);
  const saved = parseNotebook(serializeNotebook(nb)).cells[0]!.outputs[0]!;
  assert.equal(saved.items.length, 1);
  assert.equal(saved.items[0]!.mime, "text/plain");
  assert.match(String(saved.items[0]!.data), /image\/png output of \d+ bytes was not saved/);
});
