import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";

describe("chunkedCall() ordering", () => {
  it("chunkSize and numChunks give the same rows back", async () => {
    const fixture = await startFixture();
    try {
      const chunkSizes: number[] = [];
      await fixture.worker({ name: "len", maxBatchingSize: 1000, maxBufferDuration: 1 }, (text: string[]) => {
        chunkSizes.push(text.length);
        return text.map((t) => t.length);
      });
      const fn = fixture.remote.function("len");
      const table = textTable(103);
      const expected = Array.from({ length: 103 }, (_, i) => `row ${i}`.length);
      assert.deepEqual(resultValues(await fn.chunkedCall(table, { chunkSize: 50, concurrentChunks: 1 })), expected);
      assert.deepEqual(chunkSizes, [50, 50, 3]);
      chunkSizes.length = 0;
      assert.deepEqual(resultValues(await fn.chunkedCall(table, { numChunks: 4, concurrentChunks: 1 })), expected);
      assert.deepEqual(chunkSizes, [26, 26, 26, 25]);
    } finally {
      await fixture.close();
    }
  });

  it("returns an empty result for an empty table without calling the queue", async () => {
    const fixture = await startFixture();
    try {
      const result = await fixture.remote.function("nothing-registered").chunkedCall(textTable(0), { chunkSize: 10 });
      assert.equal(result.numRows, 0);
      assert.deepEqual(result.schema.fields.map((f) => f.name), ["result"]);
    } finally {
      await fixture.close();
    }
  });

  it("returns vectors as List<Float32> typed as the caller's outputType", async () => {
    const { List, Field, Float32, Float64 } = await import("apache-arrow");
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "vec", maxBatchingSize: 8, maxBufferDuration: 1 }, (text: string[]) =>
        text.map((t) => Float32Array.of(Number(t.split(" ")[1]), 0.5, -1)),
      );
      const asFloat32 = await fixture.remote.function("vec", { outputType: new List(new Field("item", new Float32())) })
        .chunkedCall(textTable(3), { chunkSize: 2 });
      assert.equal(String(asFloat32.getChild("result")!.type), "List<Float32>");
      assert.deepEqual(resultValues(asFloat32), [[0, 0.5, -1], [1, 0.5, -1], [2, 0.5, -1]]);
      const asFloat64 = await fixture.remote.function("vec", { outputType: new List(new Field("item", new Float64())) })
        .chunkedCall(textTable(3), { chunkSize: 3 });
      assert.equal(String(asFloat64.getChild("result")!.type), "List<Float64>");
      assert.deepEqual(resultValues(asFloat64), [[0, 0.5, -1], [1, 0.5, -1], [2, 0.5, -1]]);
    } finally {
      await fixture.close();
    }
  });

  it("hands an inputs: \"table\" handler the whole batch as an Arrow Table, several columns included", async () => {
    const { tableFromArrays, Table } = await import("apache-arrow");
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "joined", maxBatchingSize: 10, maxBufferDuration: 1, inputs: "table" }, (batch: InstanceType<typeof Table>) => {
        const texts = [...batch.getChild("text")!] as string[];
        const counts = [...batch.getChild("count")!] as number[];
        return texts.map((t, i) => t.repeat(counts[i]));
      });
      const input = tableFromArrays({ text: ["a", "b", "c"], count: Int32Array.of(1, 2, 3) });
      const result = await fixture.remote.function("joined").chunkedCall(input, { chunkSize: 2 });
      assert.deepEqual(resultValues(result), ["a", "bb", "ccc"]);
    } finally {
      await fixture.close();
    }
  });
});
