import { test } from "node:test";
import assert from "node:assert/strict";
import { appendStream, utf8Prefix, type OutputCap, type StreamOutput } from "../../kernel/stream-cap.js";

const cap: OutputCap = { maxBytes: 10, note: (n) => `[+${n}]` };
const out = (text: string): StreamOutput => ({ output_type: "stream", name: "stdout", text });

test("appendStream() joins writes up to the cap, then keeps the head and counts the rest in one note", () => {
  let merged = appendStream(undefined, out("hello "), cap);
  assert.equal(merged.text, "hello ");
  merged = appendStream(merged, out("world!"), cap);
  assert.deepEqual(merged, out("hello worl[+2]"));
  // Later writes are counted even when they would fit: the kept text stays one contiguous head.
  merged = appendStream(merged, out("x"), cap);
  assert.deepEqual(merged, out("hello worl[+3]"));
});

test("appendStream() never splits a character and joins freely without a cap", () => {
  assert.deepEqual(appendStream(undefined, out("ééééé🙂"), { maxBytes: 12, note: (n) => `[+${n}]` }), out("ééééé[+4]"));
  assert.deepEqual(appendStream(appendStream(undefined, out("a"), undefined), out("b"), undefined), out("ab"));
  assert.deepEqual(utf8Prefix("a🙂", 4), { text: "a", bytes: 1 });
  assert.deepEqual(utf8Prefix("a🙂", 5), { text: "a🙂", bytes: 5 });
});
