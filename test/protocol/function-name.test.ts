import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { echoed, functionNameProblem } from "../../protocol/function-name.js";
import { defineFunction } from "../../queue/define-function.js";
import { validateWorkerFunctions } from "../../queue/message-validation.js";
import { ErrorCode } from "../../protocol/errors.js";

const spec = (name: unknown) => ({ name, maxBatchingSize: 1, maxBufferDuration: 0, retries: 0, inputs: ["text"] });

describe("function names: one rule for defineFunction and a worker's hello", () => {
  it("accepts identifier-like names and refuses quotes, CR/LF, __proto__ and names over 128 characters", () => {
    for (const name of ["embed", "_x", "embed.v2", "my-fn_3", "a".repeat(128)]) assert.equal(functionNameProblem(name), undefined, name);
    for (const name of ['a"b', "a\r\nb", "", "1abc", "a b", "a".repeat(129), 42]) assert.ok(functionNameProblem(name), String(name));
    assert.equal(functionNameProblem("__proto__"), 'name "__proto__" is reserved');
  });

  it("defineFunction() and the queue's check of a raw worker's hello give the same verdict and message", () => {
    for (const name of ['say"hi', "x\nmetric 1", "__proto__"]) {
      const problem = functionNameProblem(name)!;
      assert.throws(() => defineFunction({ name }, (text: string[]) => text), { code: ErrorCode.InvalidArgument, message: `defineFunction: ${problem}` });
      assert.throws(() => validateWorkerFunctions([spec(name)]), { code: ErrorCode.MalformedFrame, message: `malformed frame: hello.functions[0].${problem}` });
    }
    assert.equal(validateWorkerFunctions([spec("embed")])[0].name, "embed");
  });

  it("echoed() repeats at most 100 characters of a caller's text, saying how long it was", () => {
    assert.equal(echoed("embed"), '"embed"');
    assert.equal(echoed("x".repeat(1 << 20)), `"${"x".repeat(100)}…" (1048576 characters)`);
    assert.equal(echoed(undefined), "undefined");
  });
});
