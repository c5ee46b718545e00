import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseNotebook, serializeNotebook, type NotebookFile } from "../../kernel/notebook-format.js";
import { chalknbBin } from "../helpers/paths.js";

// `chalknb import` as a real CLI process on notebooks shaped as tslab and `deno jupyter` save them.
let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chalknb-import-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [chalknbBin, ...args], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

const tslabNotebook = {
  nbformat: 4,
  nbformat_minor: 4,
  metadata: {
    kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" },
    language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    title: "kept",
  },
  cells: [
    { cell_type: "markdown", metadata: {}, source: ["# Title\n", "text"] },
    {
      cell_type: "code",
      execution_count: 3,
      metadata: { tags: ["setup"] },
      source: ["const x: number = 1;\n", "console.log(x);\n", "x"],
      outputs: [
        { output_type: "stream", name: "stdout", text: ["1\n"] },
        { output_type: "execute_result", execution_count: 3, metadata: {}, data: { "text/plain": ["1"] } },
        { output_type: "display_data", metadata: {}, data: { "image/png": "iVBORw0K\nGgo=\n", "text/plain": "<Figure>" } },
      ],
    },
    {
      cell_type: "code",
      execution_count: 4,
      metadata: {},
      source: "throw new Error('bad')",
      outputs: [{ output_type: "error", ename: "Error", evalue: "bad", traceback: ["\u001b[31mError: bad\u001b[39m", "    at <anonymous>:1:7"] }],
    },
    { cell_type: "raw", metadata: {}, source: "raw text" },
  ],
};

test("chalknb import turns a tslab notebook into .chalknb: cells, outputs, execution state; kernelspec dropped", async () => {
  await writeFile(path.join(dir, "tslab.ipynb"), JSON.stringify(tslabNotebook));
  const run = await cli(["import", "tslab.ipynb"]);
  assert.deepEqual(run, { code: 0, stderr: "chalknb import: wrote tslab.chalknb\n" });
  const text = await readFile(path.join(dir, "tslab.chalknb"), "utf8");
  const expected: NotebookFile = {
    format: "chalknb",
    version: 1,
    metadata: { title: "kept" },
    cells: [
      { kind: "markdown", language: "markdown", source: "# Title\ntext", outputs: [], metadata: {} },
      {
        kind: "code",
        language: "typescript",
        source: "const x: number = 1;\nconsole.log(x);\nx",
        metadata: { tags: ["setup"] },
        execution: { executionCount: 3, success: true },
        outputs: [
          { items: [{ mime: "application/vnd.code.notebook.stdout", data: "1\n" }], metadata: { outputType: "stream" } },
          { items: [{ mime: "text/plain", data: "1" }], metadata: { outputType: "execute_result" } },
          { items: [{ mime: "image/png", data: "iVBORw0KGgo=" }, { mime: "text/plain", data: "<Figure>" }], metadata: { outputType: "display_data" } },
        ],
      },
      {
        kind: "code",
        language: "typescript",
        source: "throw new Error('bad')",
        metadata: {},
        execution: { executionCount: 4, success: false },
        outputs: [{
          items: [{ mime: "application/vnd.code.notebook.error", data: JSON.stringify({ name: "Error", message: "bad", stack: "Error: bad\n    at <anonymous>:1:7" }) }],
          metadata: { outputType: "error" },
        }],
      },
      { kind: "markdown", language: "markdown", source: "```\nraw text\n```", outputs: [], metadata: {} },
    ],
  };
  assert.equal(text, serializeNotebook(expected));
});

test("chalknb import notes what only Deno had, keeps an existing output unless --force", async () => {
  const deno = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    cells: [
      { cell_type: "code", id: "a", execution_count: null, metadata: {}, outputs: [], source: 'import * as pl from "npm:nodejs-polars";' },
      { cell_type: "code", id: "b", execution_count: null, metadata: {}, outputs: [], source: "Deno.env.get('HOME')" },
    ],
  };
  await writeFile(path.join(dir, "deno.ipynb"), JSON.stringify(deno));
  const first = await cli(["import", "deno.ipynb", "--out", "out.chalknb"]);
  assert.equal(first.code, 0);
  assert.equal(
    first.stderr,
    "chalknb import: note: cell 1: imports npm:/jsr: specifiers (Deno); install the package next to the notebook and import it by name\n" +
      "chalknb import: note: cell 2: uses the Deno namespace (Deno.*), which Node does not have\n" +
      "chalknb import: wrote out.chalknb\n",
  );
  assert.deepEqual(parseNotebook(await readFile(path.join(dir, "out.chalknb"), "utf8")).cells.map((c) => [c.kind, c.source]), [
    ["code", 'import * as pl from "npm:nodejs-polars";'],
    ["code", "Deno.env.get('HOME')"],
  ]);
  assert.deepEqual(await cli(["import", "deno.ipynb", "--out", "out.chalknb"]), {
    code: 1,
    stderr: "chalknb import: out.chalknb exists; pass --force to replace it or --out to write elsewhere\n",
  });
  assert.equal((await cli(["import", "deno.ipynb", "--out", "out.chalknb", "--force"])).code, 0);
});

test("chalknb import refuses a Python notebook and a file that is not JSON, naming why", async () => {
  await writeFile(path.join(dir, "py.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "python3", language: "python" } }, cells: [] }));
  assert.deepEqual(await cli(["import", "py.ipynb"]), {
    code: 2,
    stderr: 'chalknb import: cannot import py.ipynb: expected a TypeScript or JavaScript notebook, got language "python"\n',
  });
  await writeFile(path.join(dir, "broken.ipynb"), "{");
  const broken = await cli(["import", "broken.ipynb"]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /^chalknb import: cannot import broken\.ipynb: /);
});

test("export then import gives back the notebook's cells and outputs", async () => {
  const original: NotebookFile = {
    format: "chalknb",
    version: 1,
    metadata: {},
    cells: [
      { kind: "markdown", language: "markdown", source: "# Notes", outputs: [] },
      {
        kind: "code",
        language: "typescript",
        source: "const t = tableFromArrays({ x: [1] })\nt",
        execution: { executionCount: 1, success: true },
        outputs: [
          { items: [{ mime: "application/vnd.code.notebook.stdout", data: "hello\nworld\n" }], metadata: { outputType: "stream" } },
          { items: [{ mime: "application/vnd.apache.arrow.file", data: "QVJST1cx" }, { mime: "text/plain", data: "Table: 1 row" }], metadata: { outputType: "execute_result" } },
        ],
      },
    ],
  };
  await writeFile(path.join(dir, "round.chalknb"), serializeNotebook(original));
  assert.equal((await cli(["export", "round.chalknb", "--to", "ipynb"])).code, 0);
  assert.equal((await cli(["import", "round.ipynb", "--out", "back.chalknb"])).code, 0);
  const back = parseNotebook(await readFile(path.join(dir, "back.chalknb"), "utf8"));
  assert.deepEqual(
    back.cells.map((c) => ({ kind: c.kind, source: c.source, outputs: c.outputs, execution: c.execution })),
    original.cells.map((c) => ({ kind: c.kind, source: c.source, outputs: c.outputs, execution: c.execution })),
  );
});
