import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, splitBody } from "../../protocol/frame-codec.js";
import { decodeRows, encodeRows } from "../../protocol/arrow-ipc.js";
import { ErrorCode } from "../../protocol/errors.js";
import { tableFromArrays } from "apache-arrow";

describe("frame codec", () => {
  it("encodeFrame() / decodeFrame() round-trip the header and an Arrow body", () => {
    const rows = encodeRows(tableFromArrays({ text: ["a", "b", "c"] }));
    const frame = decodeFrame(encodeFrame({ type: "accepted", callId: "c1", chunk: 2 }, rows));
    assert.deepEqual(frame.header, { type: "accepted", callId: "c1", chunk: 2 });
    assert.deepEqual([...decodeRows(frame.body).getChild("text")!], ["a", "b", "c"]);
  });

  it("encodeFrame() concatenates body parts that splitBody() splits again", () => {
    const frame = decodeFrame(encodeFrame({ type: "ready", credits: 1 }, [Uint8Array.of(1, 2), Uint8Array.of(3)]));
    assert.deepEqual(splitBody(frame.body, [2, 1]).map((p) => [...p]), [[1, 2], [3]]);
  });

  it("decodeFrame() names what is wrong with a malformed frame", () => {
    const cases: Array<[Uint8Array, string]> = [
      [Uint8Array.of(1, 2), "malformed frame: expected at least 4 bytes (the header length), got 2"],
      [Uint8Array.of(200, 0, 0, 0, 1), "malformed frame: header length 200 does not fit in a frame of 5 bytes"],
      [Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from("nop")]), "malformed frame: header is not UTF-8 JSON (Unexpected token 'o', \"nop\" is not valid JSON)"],
      [Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from("{}")]), 'malformed frame: header must be a JSON object with a string "type", got {}'],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(() => decodeFrame(bytes), { code: ErrorCode.MalformedFrame, message });
    }
  });

  it("splitBody() refuses parts that do not add up to the body", () => {
    assert.throws(() => splitBody(Uint8Array.of(1, 2, 3), [1, 1]), { message: "malformed frame: body parts add up to 2 bytes but the body has 3" });
  });
});
