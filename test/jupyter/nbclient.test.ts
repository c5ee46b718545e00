import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { chalknbBin, repoRoot } from "../helpers/paths.js";
import { installSpec, runScenario, skipReason } from "./jupyter-clients.js";

// nbclient (what `jupyter nbconvert --execute` and papermill use) runs the sample notebook, exported to .ipynb, on
// the chalknb kernel: the embedded queue and the real embedding model, and the saved outputs keep the Arrow table.

type Output = { output_type: string; data?: Record<string, unknown>; text?: string | string[]; name?: string };
type Cell = { cell_type: string; source: string | string[]; outputs?: Output[] };

let jupyterPath: string;
let dir: string;

before(async () => {
  if (skipReason) return;
  jupyterPath = await installSpec();
  await mkdir(path.join(repoRoot, "test-artifacts"), { recursive: true });
  // Inside the repository, so functions/embed.ts resolves `chalknb` and the model packages.
  dir = await mkdtemp(path.join(repoRoot, "test-artifacts", "jupyter-nbclient-"));
  await mkdir(path.join(dir, "functions"));
  await copyFile(path.join(repoRoot, "samples", "functions", "embed.ts"), path.join(dir, "functions", "embed.ts"));
  await copyFile(path.join(repoRoot, "samples", "embeddings.chalknb"), path.join(dir, "embeddings.chalknb"));
  execFileSync(process.execPath, [chalknbBin, "export", path.join(dir, "embeddings.chalknb"), "--to", "ipynb"], { stdio: "ignore" });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (jupyterPath) await rm(path.resolve(jupyterPath, "../.."), { recursive: true, force: true });
});

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));

test("nbclient executes the sample .ipynb on the chalknb kernel; saved outputs hold the Arrow table", { skip: skipReason }, async () => {
  const executed = path.join(dir, "embeddings.executed.ipynb");
  await runScenario(jupyterPath, ["nbclient", dir, path.join(dir, "kernel.log"), path.join(dir, "embeddings.ipynb"), executed]);
  const notebook = JSON.parse(await readFile(executed, "utf8")) as { metadata: { kernelspec: { name: string } }; cells: Cell[] };
  assert.equal(notebook.metadata.kernelspec.name, "chalknb");
  const code = notebook.cells.filter((c) => c.cell_type === "code");
  assert.equal(code.length, 5);
  for (const cell of code) assert.deepEqual(cell.outputs!.filter((o) => o.output_type === "error"), [], text(cell.source));

  const first = code[0]!.outputs!;
  assert.deepEqual(first.filter((o) => o.output_type === "stream").map((o) => text(o.text)).join(""), "Embedded 1000 rows\nEmbedding dim: 512\n");
  const progress = first.find((o) => o.output_type === "display_data")!;
  assert.equal((progress.data!["application/vnd.chalknb.progress+json"] as { state: string }).state, "done");
  assert.match(text(progress.data!["text/html"] as string), /^<div class="chalknb-progress"><progress value="1000" max="1000"><\/progress>/);

  const result = first.find((o) => o.output_type === "execute_result")!;
  const table = tableFromIPC(Buffer.from(result.data!["application/vnd.apache.arrow.file"] as string, "base64"));
  assert.equal(table.numRows, 1000);
  assert.deepEqual(table.schema.fields.map((f) => f.name), ["result"]);
  assert.equal(table.getChild("result")!.get(0)!.length, 512);
  assert.match(text(result.data!["text/html"] as string), /^<table class="chalknb-arrow"><caption>1000 rows × 1 column \(first 10 shown\)<\/caption>/);

  const last = code[3]!.outputs!.find((o) => o.output_type === "execute_result")!;
  const output = tableFromIPC(Buffer.from(last.data!["application/vnd.apache.arrow.file"] as string, "base64"));
  assert.deepEqual([output.numRows, output.schema.fields.map((f) => f.name)], [500, ["text", "embedding"]]);
  assert.equal(output.getChild("text")!.get(499), "Document 499: content goes here.");
  assert.ok((await stat(path.join(dir, "embeddings.parquet"))).size > 0, "the notebook wrote its Parquet file in its own folder");
});
