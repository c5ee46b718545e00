import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { decodeMessage, DELIMITER, encodeMessage, newHeader, Signer, WireError } from "../../kernel/jupyter/wire.js";
import { codePointToIndex, indexToCodePoint, isComplete } from "../../kernel/jupyter/introspection.js";

const frames = (parts: (Buffer | string)[]) => parts.map((p) => Buffer.from(p));

test("encodeMessage signs the four JSON frames with HMAC-SHA256 of the key; decodeMessage returns them", () => {
  const signer = new Signer("secret");
  const header = newHeader("execute_request", "session-1");
  const out = encodeMessage(signer, [Buffer.from("client-id")], header, {}, { code: "1" }, { cellId: "c" });
  assert.equal(out[1], DELIMITER);
  const expected = createHmac("sha256", "secret").update(out[3]!).update(out[4]!).update(out[5]!).update(out[6]!).digest("hex");
  assert.equal(out[2], expected);
  const message = decodeMessage(frames(out), signer);
  assert.deepEqual(message.idents, [Buffer.from("client-id")]);
  assert.deepEqual([message.header, message.parent_header, message.metadata, message.content], [header, {}, { cellId: "c" }, { code: "1" }]);
});

test("a tampered, unsigned or foreign-key message is refused with CHALKNB_JUPYTER_BAD_SIGNATURE", () => {
  const signer = new Signer("secret");
  const good = encodeMessage(signer, [], newHeader("execute_request", "s"), {}, { code: "1" });
  const tampered = [...good];
  tampered[5] = JSON.stringify({ code: "process.exit()" });
  const unsigned = [...good];
  unsigned[1] = "";
  const foreign = encodeMessage(new Signer("other"), [], newHeader("execute_request", "s"), {}, { code: "1" });
  for (const bad of [tampered, unsigned, foreign]) {
    assert.throws(() => decodeMessage(frames(bad), signer), (e: unknown) => e instanceof WireError && e.code === "CHALKNB_JUPYTER_BAD_SIGNATURE");
  }
  assert.throws(() => decodeMessage(frames(["no", "delimiter"]), signer), { code: "CHALKNB_JUPYTER_MALFORMED", message: 'no "<IDS|MSG>" delimiter among 2 frames' });
});

test("an empty key means unsigned messages (Jupyter's rule): signature is empty and not checked", () => {
  const signer = new Signer("");
  const out = encodeMessage(signer, [], newHeader("status", "s"), {}, { execution_state: "idle" });
  assert.equal(out[1], "");
  assert.deepEqual(decodeMessage(frames(out), signer).content, { execution_state: "idle" });
});

test("cursor positions convert between code points (Jupyter) and UTF-16 indices (JavaScript)", () => {
  const text = "a😀b";
  assert.equal(codePointToIndex(text, 2), 3);
  assert.equal(indexToCodePoint(text, 3), 2);
  assert.equal(codePointToIndex(text, 10), 4);
});

test("isComplete: strings, comments and template literals open and close as the language says", () => {
  assert.deepEqual(isComplete("const s = '}'"), { status: "complete" });
  assert.deepEqual(isComplete("/* open"), { status: "incomplete", indent: "" });
  assert.deepEqual(isComplete("const t = `x ${ { a: 1 } } y`"), { status: "complete" });
  assert.deepEqual(isComplete("const u = `http://x/*`"), { status: "complete" });
  assert.deepEqual(isComplete("f(]"), { status: "invalid" });
});
