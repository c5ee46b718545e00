import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, Float32, List } from "apache-arrow";
import { ErrorCode } from "../../protocol/errors.js";
import type { CallProgress } from "../../protocol/progress.js";
import { openParquet, ParquetTable, readParquet } from "../../sdk/index.js";
import { startFixture, textTable, resultValues, type QueueFixture } from "../helpers/queue-fixture.js";

const embedding = new List(new Field("item", new Float32(), true));

/** A 3-d vector per row, from the row's number ("row 7" → [7, 0.5, -7]). */
const vectors = (text: string[]) => text.map((t) => Float32Array.of(Number(t.split(" ")[1]), 0.5, -Number(t.split(" ")[1])));

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function withFolder(body: (folder: string, fixture: QueueFixture) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "chalknb-into-"));
  const fixture = await startFixture();
  try {
    await body(folder, fixture);
  } finally {
    await fixture.close();
    await rm(folder, { recursive: true, force: true });
  }
}

describe("chunkedCall({ into })", () => {
  it("writes the table chunkedCall returns, in input order, when chunks finish out of order; holds at most concurrentChunks", () =>
    withFolder(async (folder, fixture) => {
      const log: string[] = [];
      const first = gate();
      await fixture.worker({ name: "vec", maxBatchingSize: 3, maxBufferDuration: 1 }, async (text: string[]) => {
        log.push(`run ${text[0]}`);
        if (text[0] === "row 0" && log.length === 1) await first.opened;
        log.push(`end ${text[0]}`);
        return vectors(text);
      });
      const onProgress = (p: CallProgress) => {
        if (p.chunks[1].state === "done" && !log.includes("chunk 1 done")) {
          log.push("chunk 1 done");
          first.open();
        }
      };
      const fn = fixture.remote.function("vec", { outputType: embedding });
      const path = join(folder, "embeddings.parquet");
      const file = await fn.chunkedCall(textTable(10), { chunkSize: 3, concurrentChunks: 2, into: path, onProgress });
      // Chunk 1 finished first and waited in memory; chunk 2 was submitted only once chunk 0 was written.
      assert.deepEqual(log.slice(0, 6), ["run row 0", "run row 3", "end row 3", "chunk 1 done", "end row 0", "run row 6"]);

      const expected = await fn.chunkedCall(textTable(10), { chunkSize: 3, concurrentChunks: 2 });
      const written = await readParquet(path);
      assert.deepEqual(resultValues(written), resultValues(expected));
      assert.deepEqual(resultValues(written)[7], [7, 0.5, -7]);
      assert.equal(String(written.schema.fields[0].type), String(expected.schema.fields[0].type));
      assert.equal(String(written.schema.fields[0].type), "List<Float32>");

      assert.ok(file instanceof ParquetTable);
      assert.equal(file.path, path);
      assert.equal(file.numRows, 10);
      assert.deepEqual(file.schema.fields.map((f) => `${f.name}: ${f.type}`), ["result: List<Float32>"]);
      assert.deepEqual(resultValues(await file.slice(4, 6)), [[4, 0.5, -4], [5, 0.5, -5]]);
      assert.deepEqual(resultValues(await file.slice(-1)), [[9, 0.5, -9]]);
      assert.deepEqual(resultValues(await file.head(2)), [[0, 0.5, -0], [1, 0.5, -1]]);
      assert.equal((await file.slice(3, 3)).numRows, 0);
      assert.deepEqual(resultValues(await file.read()), resultValues(expected));
      let batchRows = 0;
      for await (const batch of file.batches()) batchRows += batch.numRows;
      assert.equal(batchRows, 10);
      assert.equal(String(file), `ParquetTable ${path}: 10 rows × { result: List<Float32> } in 1 row group`);
      assert.deepEqual(await readdir(folder), ["embeddings.parquet"]);

      const reopened = await openParquet(path);
      assert.equal(reopened.numRows, 10);
      assert.deepEqual(resultValues(await reopened.slice(9, 10)), [[9, 0.5, -9]]);
    }));

  it("casts to outputType as chunkedCall does (the handler returns Float64 numbers, the file holds Float32)", () =>
    withFolder(async (folder, fixture) => {
      await fixture.worker({ name: "half", maxBatchingSize: 4, maxBufferDuration: 1 }, (text: string[]) => text.map((t) => Number(t.split(" ")[1]) / 2));
      const fn = fixture.remote.function("half", { outputType: new Float32() });
      const path = join(folder, "half.parquet");
      await fn.chunkedCall(textTable(5), { chunkSize: 2, into: { path, compression: "zstd" } });
      const written = await readParquet(path);
      const expected = await fn.chunkedCall(textTable(5), { chunkSize: 2 });
      assert.equal(String(written.schema.fields[0].type), "Float32");
      assert.deepEqual(resultValues(written), [0, 0.5, 1, 1.5, 2]);
      assert.deepEqual(resultValues(written), resultValues(expected));
    }));

  it("leaves no file, not even a partial one, when a chunk fails", () =>
    withFolder(async (folder, fixture) => {
      await fixture.worker({ name: "picky", maxBatchingSize: 2, maxBufferDuration: 1, retries: 0 }, (text: string[]) => {
        if (text.includes("row 5")) throw new Error("cannot take row 5");
        return vectors(text);
      });
      const path = join(folder, "out.parquet");
      await assert.rejects(fixture.remote.function("picky").chunkedCall(textTable(8), { chunkSize: 2, concurrentChunks: 1, into: path }), {
        code: ErrorCode.HandlerFailed,
        message: 'chunk 2 (rows 4–5 (2 rows)) of function "picky" failed at row 5 after 1 attempt (retries: 0): cannot take row 5',
      });
      assert.deepEqual(await readdir(folder), []);
    }));

  it("a call cancelled mid-way (signal, or an interrupt) leaves no file either", () =>
    withFolder(async (folder, fixture) => {
      const controller = new AbortController();
      const held = gate();
      await fixture.worker({ name: "held", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
        if (text[0] === "row 2") {
          controller.abort("enough");
          await held.opened;
        }
        return vectors(text);
      });
      const path = join(folder, "out.parquet");
      try {
        await assert.rejects(fixture.remote.function("held").chunkedCall(textTable(6), { chunkSize: 2, concurrentChunks: 1, into: path, signal: controller.signal }), {
          code: ErrorCode.Cancelled,
          message: 'call to "held" (6 rows, 3 chunks) was cancelled: enough',
        });
      } finally {
        held.open();
      }
      assert.deepEqual(await readdir(folder), []);
    }));

  it("an empty table writes a file with no rows; a bad path is refused before any chunk runs", () =>
    withFolder(async (folder, fixture) => {
      const fn = fixture.remote.function("vec", { outputType: embedding });
      const file = await fn.chunkedCall(textTable(0), { chunkSize: 2, into: join(folder, "empty.parquet") });
      assert.equal(file.numRows, 0);
      assert.deepEqual(file.schema.fields.map((f) => `${f.name}: ${f.type}`), ["result: List<Float32>"]);
      await assert.rejects(fn.chunkedCall(textTable(3), { chunkSize: 2, into: "" }), {
        code: ErrorCode.InvalidArgument,
        message: 'into must be a Parquet file path (or { path, compression }), got ""',
      });
      // No worker serves "vec" here: the folder is checked before the call reaches the queue.
      const missing = join(folder, "no-such-folder", "out.parquet");
      await assert.rejects(fn.chunkedCall(textTable(3), { chunkSize: 2, into: missing }), { code: "ENOENT" });
      assert.deepEqual(await readdir(folder), ["empty.parquet"]);
    }));
});
