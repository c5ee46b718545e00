import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bodyParts, decodeFrame, DETACH_THRESHOLD_BYTES, encodeFrame, encodeFrameParts, FrameReader, sendFrame, splitBody } from "../../protocol/frame-codec.js";
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

  it("sends a large body detached, one message per part, and FrameReader puts the frame back together", () => {
    const big = new Uint8Array(DETACH_THRESHOLD_BYTES).fill(7);
    const small = Uint8Array.of(1, 2, 3);
    const messages: Uint8Array[] = [];
    sendFrame({ send: (data, options) => void (assert.equal(options.fin, true), messages.push(data)) },
      encodeFrameParts({ type: "done", batchId: "b", segments: [{ rows: 1, bytes: big.byteLength }, { rows: 1, bytes: 3 }] }, [big, small]));
    assert.equal(messages.length, 3, "header, then each part as its own message");
    assert.equal(messages[1], big, "the part itself is sent: no copy");
    const reader = new FrameReader();
    assert.equal(reader.read(messages[0]), undefined);
    assert.equal(reader.read(messages[1]), undefined);
    const frame = reader.read(messages[2])!;
    assert.equal(frame.header.type, "done");
    assert.deepEqual(bodyParts(frame, [big.byteLength, 3]).map((p) => p.byteLength), [big.byteLength, 3]);
    assert.throws(() => bodyParts(frame, [3, big.byteLength]), { code: ErrorCode.MalformedFrame });
    const inline = reader.read(encodeFrame({ type: "ready", credits: 2 }));
    assert.deepEqual(inline?.header, { type: "ready", credits: 2 });
  });

  it("pads the header so an Arrow body starts 8-byte aligned", () => {
    for (const callId of ["a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"]) {
      const frame = encodeFrame({ type: "accepted", callId, chunk: 0 }, Uint8Array.of(1));
      assert.equal((frame.byteLength - 1) % 8, 0, `body offset for callId ${callId}`);
    }
  });
});
