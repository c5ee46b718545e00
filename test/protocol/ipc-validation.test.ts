import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as A from "apache-arrow";
import { decodeRows, encodeRows } from "../../protocol/arrow-ipc.js";
import { IpcFormatError, validateIpcStream } from "../../protocol/ipc-validation.js";
import { mutate, readEveryValue, sampleBodies, seededRandom } from "../helpers/ipc-bodies.js";

/** The 4-row body of issue 9: one changed byte at 40 made apache-arrow spend 16–82 s decoding it. */
const issueBody = () => encodeRows(A.tableFromArrays({ text: ["row 0", "row 1", "row 2", "row 3"] }));

function rejects(bytes: Uint8Array, message: string): void {
  assert.throws(() => validateIpcStream(bytes), (error: Error) => {
    assert.ok(error instanceof IpcFormatError);
    assert.equal(error.message, message);
    return true;
  });
}

/** The body with the int32 at `at` replaced. */
function withInt32(body: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(body);
  new DataView(copy.buffer).setInt32(at, value, true);
  return copy;
}

describe("validateIpcStream()", () => {
  it("passes every sample stream, with the row count and columns apache-arrow decodes", () => {
    for (const { name, bytes } of sampleBodies()) {
      const table = A.tableFromIPC(bytes);
      assert.deepEqual(validateIpcStream(bytes), { rows: table.numRows, columns: table.schema.fields.map((f) => f.name) }, name);
      assert.equal(readEveryValue(decodeRows(bytes)), readEveryValue(table), name);
    }
  });

  it("rejects the issue's corrupt body (byte 40 changed) before decoding it", () => {
    const body = issueBody();
    for (const value of [0x10, 0x40]) {
      const corrupt = Uint8Array.from(body);
      corrupt[40] = value;
      rejects(corrupt, "message 0 (metadata at byte 8): field 2 of the table at byte 40 lies at offset 8, outside the table's 8 bytes");
    }
    for (const value of [0x7f, 0xff]) {
      const corrupt = Uint8Array.from(body);
      corrupt[40] = value;
      rejects(corrupt, `message 0 (metadata at byte 8): the vtable at byte 32 declares ${value} bytes (expected an even number >= 4)`);
    }
  });

  it("checks utf8 offsets: never falling, starting at 0 or more, ending inside the values", () => {
    const body = issueBody();
    const offsets = Buffer.from(body).indexOf("row 0") - 24; // five int32 offsets and 4 bytes of padding
    rejects(withInt32(body, offsets + 8, 3), 'message 1 (at byte 128 of 344): column "text": offset 2 (3) is below offset 1 (5)');
    rejects(withInt32(body, offsets + 16, 127), 'message 1 (at byte 128 of 344): column "text": the last offset is 127, beyond the 24 bytes of values');
    rejects(withInt32(body, offsets, -1), 'message 1 (at byte 128 of 344): column "text": the first offset is -1');
  });

  it("checks the stream's framing: bodies that fit, nothing after the end marker, a schema first and once", () => {
    const body = issueBody();
    rejects(body.subarray(0, 300), "message 1 (at byte 128 of 300): a body of 48 bytes does not fit the 12 bytes left");
    rejects(Uint8Array.from([...body, 0, 0, 0, 0, 0, 0, 0, 0]), "message 2 (at byte 336 of 352): 8 bytes follow the end-of-stream marker");
    rejects(Uint8Array.from([...body.subarray(0, 128), ...body]), "message 1 (at byte 128 of 472): a second schema in one stream");
    rejects(new Uint8Array(0), "the body is empty");
    rejects(new TextEncoder().encode("{}"), "message 0 (at byte 0 of 2): 2 stray bytes where a message length belongs");
    assert.deepEqual(validateIpcStream(body.subarray(0, body.byteLength - 8)), { rows: 4, columns: ["text"] }, "a stream may end without its end marker");
  });

  it("bounds nested values that take no bytes (a list of 2^21 nulls in a 360-byte body)", () => {
    const nulls = A.makeData({ type: new A.Null(), length: 2 ** 21 });
    const list = A.makeData({ type: new A.List(new A.Field("item", new A.Null())), length: 1, valueOffsets: Int32Array.of(0, 2 ** 21), child: nulls });
    rejects(A.tableToIPC(new A.Table({ l: A.makeVector(list) }), "stream"),
      'message 1 (at byte 184 of 360): column "l.item": more than 1048576 nested values that take no bytes');
  });

  it("refuses more than 1024 record batches in one stream (each costs the decoder a fixed amount)", () => {
    const batch = new A.Table({ text: A.vectorFromArray(["a"], new A.Utf8()) }).batches[0];
    const writer = new A.RecordBatchStreamWriter();
    for (let i = 0; i < 1024; i++) writer.write(batch);
    assert.equal(validateIpcStream(writer.toUint8Array(true)).rows, 1024);
    writer.write(batch);
    writer.finish();
    assert.throws(() => validateIpcStream(writer.toUint8Array(true)), {
      message: /^message 1025 \(at byte \d+ of \d+\): more than 1024 record batches; rebuild a table glued from many small ones \(e\.g\. with tableFromArrays\) before sending it$/,
    });
  });

  // CI: 5000 bodies, a fixed seed; `npm run fuzz` raises both. A decode that stalls fails by the test's timeout.
  const seed = Number(process.env.CHALKNB_FUZZ_SEED ?? 9);
  const iterations = Number(process.env.CHALKNB_FUZZ_ITERATIONS ?? 5000);
  it("mutated bodies (seeded) are either refused or decode and read in full", { timeout: 60_000 + 5 * iterations }, () => {
    const random = seededRandom(seed);
    const bodies = sampleBodies();
    let refused = 0;
    for (let i = 0; i < iterations; i++) {
      const source = bodies[Math.floor(random() * bodies.length)];
      const { bytes, what } = mutate(source.bytes, random);
      try {
        validateIpcStream(bytes);
      } catch (error) {
        assert.ok(error instanceof IpcFormatError, `${source.name}, ${what}: ${(error as Error).stack}`);
        refused += 1;
        continue;
      }
      assert.doesNotThrow(() => readEveryValue(decodeRows(bytes)), `${source.name}, ${what} (seed ${seed}, iteration ${i})`);
    }
    assert.ok(refused > iterations / 2, `only ${refused} of ${iterations} mutated bodies were refused`);
  });
});

describe("encodeRows()", () => {
  it("sends a column named __proto__ beside a dictionary column (issue 9: it overflowed the stack)", () => {
    const text = A.vectorFromArray(["a", "b"], new A.Utf8());
    const kind = A.vectorFromArray(["x", "y"], new A.Dictionary(new A.Utf8(), new A.Int32()));
    const schema = new A.Schema([new A.Field("__proto__", text.type), new A.Field("kind", kind.type)]);
    const data = A.makeData({ type: new A.Struct(schema.fields), length: 2, children: [text.data[0], kind.data[0]] });
    const back = decodeRows(encodeRows(new A.Table(schema, [new A.RecordBatch(schema, data)])));
    assert.deepEqual(back.schema.fields.map((f) => `${f.name}: ${f.type}`), ["__proto__: Utf8", "kind: Utf8"]);
    assert.deepEqual([...back.getChildAt(0)!], ["a", "b"]);
    assert.deepEqual([...back.getChildAt(1)!], ["x", "y"]);
  });
});
