import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Table, tableFromArrays } from "apache-arrow";
import { ErrorCode } from "../../protocol/errors.js";
import { readParquet, writeParquet } from "../../sdk/index.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";
import { fixtureFunctions, repoRoot } from "../helpers/paths.js";

describe("deferBatch()", () => {
  it("returns a handle whose get() resolves to the result table", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "len", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text.map((t) => t.length));
      const batch = tableFromArrays({ text: ["hello world", "another sentence"] }).batches[0];
      const handle = fixture.remote.function("len").deferBatch(batch);
      assert.equal(handle.status, "pending");
      const result = await handle.get(60);
      assert.equal(handle.status, "done");
      assert.deepEqual(resultValues(result), [11, 16]);
    } finally {
      await fixture.close();
    }
  });

  it("get(timeout) gives up waiting without cancelling; cancel() does", async () => {
    const fixture = await startFixture();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await fixture.worker({ name: "held", maxBatchingSize: 10, maxBufferDuration: 1 }, async (text: string[]) => {
        await gate;
        return text;
      });
      const handle = fixture.remote.function("held").deferBatch(textTable(2));
      await assert.rejects(handle.get(0.05), {
        code: ErrorCode.ChunkTimeout,
        message: "deferBatch result not ready after 0.05 s (status: pending); the call keeps running: get() again or cancel()",
      });
      release();
      assert.deepEqual(resultValues(await handle.get()), ["row 0", "row 1"]);

      const never = fixture.remote.function("held").deferBatch(textTable(1));
      never.cancel();
      await assert.rejects(never.get(), { code: ErrorCode.Cancelled });
      assert.equal(never.status, "cancelled");
    } finally {
      await fixture.close();
    }
  });
});

describe("queue HTTP API", () => {
  it("remote.functions() and remote.stats() report functions, workers, batches and rows", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 4, maxBufferDuration: 1, retries: 2 }, (text: string[]) => text);
      await fixture.remote.function("echo").chunkedCall(textTable(8), { chunkSize: 4, concurrentChunks: 1 });
      assert.deepEqual(await fixture.remote.functions(), [
        { name: "echo", maxBatchingSize: 4, maxBufferDuration: 1, retries: 2, inputs: ["text"], workers: 1, bufferedRows: 0, bufferedBytes: 0, inFlightBatches: 0, hung: [], deployed: false, oldestWaitingSeconds: 0 },
      ]);
      const metrics = await fixture.remote.stats();
      assert.match(metrics, /^chalknb_rows_in_total\{function="echo"\} 8$/m);
      assert.match(metrics, /^chalknb_rows_out_total\{function="echo"\} 8$/m);
      assert.match(metrics, /^chalknb_batches_total\{function="echo"\} 2$/m);
      assert.match(metrics, /^chalknb_batch_fill_ratio\{function="echo"\} 1$/m);
      assert.match(metrics, /^chalknb_batch_size_bucket\{function="echo",le="4"\} 2$/m);
    } finally {
      await fixture.close();
    }
  });
});

describe("embedded default", () => {
  it("new Remote() with no URL serves ./functions and the script exits by itself", async () => {
    const folder = await mkdtemp(join(tmpdir(), "chalknb-embedded-"));
    try {
      // The function file sits where no node_modules has "chalknb".
      await mkdir(join(folder, "functions"));
      await copyFile(fixtureFunctions("shout.ts"), join(folder, "functions", "shout.ts"));
      await writeFile(join(folder, "script.mjs"), [
        `import { Remote } from ${JSON.stringify(join(repoRoot, "dist/index.js"))};`,
        `import { tableFromArrays } from ${JSON.stringify(join(repoRoot, "node_modules/apache-arrow/Arrow.node.mjs"))};`,
        "const shout = new Remote().function('shout');",
        "const result = await shout.chunkedCall(tableFromArrays({ text: ['a', 'b', 'c'] }), { chunkSize: 2 });",
        "console.log(JSON.stringify([...result.getChild('result')]));",
      ].join("\n"));
      const env = { ...process.env };
      delete env.CHALKNB_QUEUE_URL;
      const { stdout } = await promisify(execFile)(process.execPath, ["script.mjs"], { cwd: folder, env, timeout: 60_000 });
      assert.equal(stdout.trim(), '["A","B","C"]');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("says what to do when there is no queue and no ./functions", async () => {
    const { Remote } = await import("../../sdk/index.js");
    const folder = await mkdtemp(join(tmpdir(), "chalknb-empty-"));
    const cwd = process.cwd();
    const url = process.env.CHALKNB_QUEUE_URL;
    delete process.env.CHALKNB_QUEUE_URL;
    process.chdir(folder);
    try {
      await assert.rejects(new Remote().function("embed").chunkedCall(textTable(1), { chunkSize: 1 }), {
        code: ErrorCode.NotConnected,
        message: `no function queue configured and no function files found in ${join(folder, "functions")}: set CHALKNB_QUEUE_URL, pass new Remote({ url }), or put defineFunction files in ./functions (or pass { functions: [paths] })`,
      });
    } finally {
      process.chdir(cwd);
      if (url !== undefined) process.env.CHALKNB_QUEUE_URL = url;
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("Parquet", () => {
  it("writeParquet() / readParquet() round-trip text and float vectors", async () => {
    const folder = await mkdtemp(join(tmpdir(), "chalknb-parquet-"));
    try {
      const { floatListVector } = await import("../../queue/result-encoding.js");
      const embedding = floatListVector([Float32Array.of(1, 2), Float32Array.of(0.5, -0.5)]);
      const table = new Table({ text: tableFromArrays({ text: ["a", "b"] }).getChild("text")!, embedding });
      const path = join(folder, "out.parquet");
      await writeParquet(table, path);
      const back = await readParquet(path);
      assert.deepEqual(back.schema.fields.map((f) => f.name), ["text", "embedding"]);
      assert.deepEqual([...back.getChild("text")!], ["a", "b"]);
      assert.deepEqual(resultValues(new Table({ result: back.getChild("embedding")! })), [[1, 2], [0.5, -0.5]]);
      assert.equal(String(back.getChild("embedding")!.type), "List<Float32>");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
