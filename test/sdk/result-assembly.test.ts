import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Data, Float32 } from "apache-arrow";
import { assembleResult } from "../../sdk/result-assembly.js";
import { encodeResultSlice, floatListVector } from "../../queue/result-encoding.js";

describe("assembleResult()", () => {
  it("keeps each chunk's vectors as views on the bytes that came off the wire, not copies", () => {
    const vectors = floatListVector(Array.from({ length: 6 }, (_, i) => Float32Array.of(i, i + 0.5)));
    const parts = [[encodeResultSlice(vectors, 0, 2)], [encodeResultSlice(vectors, 2, 4), encodeResultSlice(vectors, 4, 6)]];
    const result = assembleResult(parts, undefined);
    assert.equal(result.numRows, 6);
    const data = result.getChild("result")!.data;
    assert.equal(data.length, 3, "one Data per part: nothing concatenated");
    data.forEach((chunk, i) => {
      const values = (chunk.children[0] as Data<Float32>).values;
      assert.equal(values.buffer, parts.flat()[i].buffer, `part ${i}'s floats are a view`);
    });
    assert.deepEqual(Array.from(result.getChild("result")!.get(5)!), [5, 5.5]);
  });
});
