import { test } from "node:test";
import assert from "node:assert/strict";
import {
  emptyNotebook,
  NotebookFormatError,
  parseNotebook,
  serializeNotebook,
  toNotebookOutputs,
  type NotebookFile,
} from "../../kernel/notebook-format.js";
import { toIpynb } from "../../kernel/ipynb-export.js";

const sample: NotebookFile = {
  format: "chalknb",
  version: 1,
  metadata: { z: 1, a: { y: 2, b: 3 } },
  cells: [
    { kind: "markdown", language: "markdown", source: "# Title\ntext", outputs: [] },
    {
      kind: "code",
      language: "typescript",
      source: "const x = 1\nx",
      execution: { executionCount: 1, success: true, startedAt: 10, endedAt: 20 },
      outputs: [
        { items: [{ mime: "application/vnd.code.notebook.stdout", data: "hi\n" }], metadata: { outputType: "stream" } },
        {
          items: [
            { mime: "application/vnd.apache.arrow.file", data: Buffer.from([1, 2, 3, 4]).toString("base64") },
            { mime: "application/vnd.chalknb.progress+json", data: { state: "done", callId: "c" } },
            { mime: "text/plain", data: "1" },
          ],
          metadata: { outputType: "execute_result" },
        },
      ],
    },
  ],
};

function expectFormatError(text: string, path: string, message: string): void {
  assert.throws(() => parseNotebook(text), (error: unknown) => {
    assert.ok(error instanceof NotebookFormatError);
    assert.equal(error.path, path);
    assert.equal(error.message, `${path}: ${message}`);
    return true;
  });
}

test("parseNotebook(serializeNotebook(nb)) round-trips cells, outputs and execution", () => {
  assert.deepEqual(parseNotebook(serializeNotebook(sample)), sample);
});

test("serializeNotebook() writes a stable key order, sorted metadata and 2-space indent", () => {
  const text = serializeNotebook(sample);
  assert.ok(text.startsWith('{\n  "format": "chalknb",\n  "version": 1,\n  "metadata": {\n    "a": {\n      "b": 3,\n      "y": 2\n    },\n    "z": 1\n  },'));
  assert.ok(text.endsWith("}\n"));
  const reordered = JSON.parse(text) as Record<string, unknown>;
  const shuffled = { cells: reordered.cells, metadata: { a: { b: 3, y: 2 }, z: 1 }, version: 1, format: "chalknb" };
  assert.equal(serializeNotebook(shuffled as NotebookFile), text);
  assert.ok(text.indexOf('"kind"') < text.indexOf('"language"') && text.indexOf('"source"') < text.indexOf('"outputs"'));
});

test("parseNotebook() rejects text that is not JSON, naming the root", () => {
  assert.throws(() => parseNotebook("{ not json"), (error: unknown) => error instanceof NotebookFormatError && error.path === "$" && error.message.startsWith("$: not valid JSON ("));
});

test("parseNotebook() names the JSON path of the bad field", () => {
  expectFormatError(JSON.stringify({ format: "jupyter", version: 1, cells: [] }), "$.format", 'expected "chalknb", got string "jupyter"');
  expectFormatError(JSON.stringify({ format: "chalknb", version: 2, cells: [] }), "$.version", "expected 1 (the version this chalknb reads), got number 2");
  expectFormatError(JSON.stringify({ format: "chalknb", version: 1 }), "$.cells", "expected an array, got nothing (missing)");
  expectFormatError(
    JSON.stringify({ format: "chalknb", version: 1, cells: [{ kind: "code", source: "1" }, { kind: "raw", source: "" }] }),
    "$.cells[1].kind",
    'expected "code" or "markdown", got string "raw"',
  );
  expectFormatError(
    JSON.stringify({ format: "chalknb", version: 1, cells: [{ kind: "code", source: "1", outputs: [{ items: [{ mime: "image/png", data: "not base64!" }] }] }] }),
    "$.cells[0].outputs[0].items[0].data",
    "expected base64 for binary MIME type image/png",
  );
  expectFormatError(
    JSON.stringify({ format: "chalknb", version: 1, cells: [{ kind: "code", source: 5 }] }),
    "$.cells[0].source",
    "expected a string, got number 5",
  );
  expectFormatError("[]", "$", "expected an object, got an array");
});

test("parseNotebook() fills defaults for optional fields", () => {
  const nb = parseNotebook(JSON.stringify({ format: "chalknb", version: 1, cells: [{ kind: "code", source: "1" }, { kind: "markdown", source: "m" }] }));
  assert.deepEqual(nb, {
    ...emptyNotebook(),
    cells: [
      { kind: "code", language: "typescript", source: "1", outputs: [] },
      { kind: "markdown", language: "markdown", source: "m", outputs: [] },
    ],
  });
});

test("toNotebookOutputs() maps kernel outputs to items: rich first, text/plain last, errors as VS Code error items", () => {
  const outputs = toNotebookOutputs([
    { output_type: "stream", name: "stderr", text: "warn\n" },
    { output_type: "display_data", data: { "text/plain": "t", "application/vnd.apache.arrow.file": "AAAA" }, metadata: {}, display_id: "d1" },
    { output_type: "execute_result", execution_count: 3, data: { "text/plain": "42" }, metadata: {} },
    { output_type: "error", ename: "Error", evalue: "boom", traceback: ["Error: boom", "    at cell[3]:1:7"] },
  ]);
  assert.deepEqual(outputs, [
    { items: [{ mime: "application/vnd.code.notebook.stderr", data: "warn\n" }], metadata: { outputType: "stream" } },
    { items: [{ mime: "application/vnd.apache.arrow.file", data: "AAAA" }, { mime: "text/plain", data: "t" }], metadata: { outputType: "display_data" } },
    { items: [{ mime: "text/plain", data: "42" }], metadata: { outputType: "execute_result" } },
    {
      items: [{ mime: "application/vnd.code.notebook.error", data: JSON.stringify({ name: "Error", message: "boom", stack: "Error: boom\n    at cell[3]:1:7" }) }],
      metadata: { outputType: "error" },
    },
  ]);
});

test("toIpynb() writes nbformat 4.5 cells with ids, line arrays and output bundles", () => {
  const nb = toIpynb(sample);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.deepEqual(nb.metadata.kernelspec, { name: "chalknb", display_name: "TypeScript (chalknb)", language: "typescript" });
  assert.deepEqual(nb.cells[0], { cell_type: "markdown", id: "cell-1", metadata: {}, source: ["# Title\n", "text"] });
  assert.deepEqual(nb.cells[1], {
    cell_type: "code",
    execution_count: 1,
    id: "cell-2",
    metadata: {},
    source: ["const x = 1\n", "x"],
    outputs: [
      { output_type: "stream", name: "stdout", text: ["hi\n"] },
      {
        output_type: "execute_result",
        execution_count: 1,
        metadata: {},
        data: {
          "application/vnd.apache.arrow.file": "AQIDBA==",
          "application/vnd.chalknb.progress+json": { state: "done", callId: "c" },
          "text/plain": ["1"],
        },
      },
    ],
  });
});
