import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { tableFromArrays } from "apache-arrow";
import { WebSocketServer, type WebSocket } from "ws";
import { encodeRows } from "../../protocol/arrow-ipc.js";
import { ErrorCode } from "../../protocol/errors.js";
import { encodeFrame, FrameReader, MAX_HEADER_BYTES } from "../../protocol/frame-codec.js";
import type { SubmitMessage } from "../../protocol/messages.js";
import { Remote } from "../../sdk/index.js";
import { resultValues, textTable } from "../helpers/queue-fixture.js";

// Issue 9, defect 9 (client part): one reply the client cannot read fails at most the chunk it names. A queue written
// here answers "good" with a real result, and every other function with one kind of bad frame; the bad frame is sent
// while the good call is pending, before the good result.
type BadReply = (submit: SubmitMessage) => Buffer;

const badReplies: Record<string, BadReply> = {
  // An error frame whose header is over the codec's limit: a long function name echoed back.
  "huge-error": (s) => encodeFrame({
    type: "error", callId: s.callId, chunk: s.chunk, code: ErrorCode.UnknownFunction, retryable: false,
    message: `no worker serves the function "${"n".repeat(MAX_HEADER_BYTES)}"`,
  }),
  // A result whose parts do not add up to its body.
  "bad-parts": (s) => encodeFrame({ type: "result", callId: s.callId, chunk: s.chunk, parts: [999], attempts: 1 }, new Uint8Array(16)),
  // A result header with no parts at all.
  "no-parts": (s) => encodeFrame({ type: "result", callId: s.callId, chunk: s.chunk, attempts: 1 } as never),
  // A header that is not JSON but still names the chunk.
  "broken-json": (s) => header(`{"type":"result","callId":"${s.callId}","chunk":${s.chunk},"parts":[`),
  // Bytes that name nothing: dropped with a warning, and no call fails.
  "garbage": () => Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]),
};

function header(text: string): Buffer {
  const json = Buffer.from(text);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.byteLength);
  return Buffer.concat([length, json]);
}

describe("one bad reply never fails unrelated calls", () => {
  let server: WebSocketServer;
  let url: string;

  before(async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on("connection", (ws: WebSocket) => {
      const reader = new FrameReader();
      const waiting: SubmitMessage[] = [];
      ws.on("message", (data: Buffer) => {
        const frame = reader.read(data);
        if (!frame) return;
        if (frame.header.type === "hello") return ws.send(encodeFrame({ type: "welcome", protocolVersion: 1, connectionId: "c1" }));
        if (frame.header.type !== "submit") return;
        waiting.push(frame.header);
        if (waiting.length < 2) return;
        // Both calls pending: the bad reply first, then the good result.
        const bad = waiting.find((s) => s.function !== "good")!;
        const good = waiting.find((s) => s.function === "good")!;
        waiting.length = 0;
        ws.send(badReplies[bad.function]!(bad));
        const body = encodeRows(tableFromArrays({ result: Int32Array.from({ length: good.rows[1] - good.rows[0] }, (_, i) => i * 10) }));
        ws.send(encodeFrame({ type: "result", callId: good.callId, chunk: good.chunk, parts: [body.byteLength], attempts: 1 }, body));
      });
    });
  });

  after(async () => {
    for (const client of server.clients) client.terminate();
    server.close();
  });

  async function pair(bad: string): Promise<{ bad: PromiseSettledResult<unknown>; good: unknown[]; warnings: string[] }> {
    const warnings: string[] = [];
    const remote = new Remote({ url, timeoutMargin: 0, onWarning: (w) => warnings.push(w) });
    try {
      const badCall = remote.function(bad).chunkedCall(textTable(2), { chunkSize: 2, timeout: bad === "garbage" ? 0.2 : null });
      const goodCall = remote.function("good").chunkedCall(textTable(3), { chunkSize: 3 });
      const [badResult, goodResult] = await Promise.allSettled([badCall, goodCall]);
      assert.equal(goodResult.status, "fulfilled", String((goodResult as PromiseRejectedResult).reason));
      return { bad: badResult, good: resultValues((goodResult as PromiseFulfilledResult<never>).value), warnings };
    } finally {
      remote.close();
    }
  }

  it("an error frame too large for the codec fails its own call with the queue's error, bounded", async () => {
    const { bad, good, warnings } = await pair("huge-error");
    assert.deepEqual(good, [0, 10, 20]);
    assert.equal(bad.status, "rejected");
    const error = (bad as PromiseRejectedResult).reason as Error & { code: string };
    assert.equal(error.code, ErrorCode.UnknownFunction);
    const expected = `no worker serves the function "${"n".repeat(3969)}… (${MAX_HEADER_BYTES + 32 - 4000} more characters)`;
    assert.ok(error.message === expected, `message of ${error.message.length} characters ending ${JSON.stringify(error.message.slice(-40))}`);
    assert.deepEqual(warnings, []);
  });

  for (const [kind, detail] of [
    ["bad-parts", "its result frame cannot be read: malformed frame: body parts [999] do not fit in a body of 16 bytes"],
    ["no-parts", 'its result frame cannot be read: "parts" must be an array of byte lengths, got undefined'],
  ] as const) {
    it(`a result frame with ${kind} fails its own call with CHALKNB_MALFORMED_FRAME`, async () => {
      const { bad, good, warnings } = await pair(kind);
      assert.deepEqual(good, [0, 10, 20]);
      const error = (bad as PromiseRejectedResult).reason as Error & { code: string };
      assert.equal(error.code, ErrorCode.MalformedFrame);
      assert.equal(error.message, `chunk 0 (rows 0–1 (2 rows)) of function "${kind}": the queue at ${url} sent a reply that the client cannot read: ${detail}`);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /^chalknb: the client failed chunk [0-9a-f-]+#0: its result frame cannot be read/);
    });
  }

  it("a header that is not JSON fails the call it names", async () => {
    const { bad, good } = await pair("broken-json");
    assert.deepEqual(good, [0, 10, 20]);
    const error = (bad as PromiseRejectedResult).reason as Error & { code: string };
    assert.equal(error.code, ErrorCode.MalformedFrame);
    assert.match(error.message, /^chunk 0 \(rows 0–1 \(2 rows\)\) of function "broken-json": the queue at ws:\/\/127\.0\.0\.1:\d+ sent a reply that the client cannot read: its reply frame \(\d+ bytes\) cannot be read: malformed frame: header is not UTF-8 JSON/);
  });

  it("a frame that names no call is dropped with a warning and fails nothing", async () => {
    const { bad, good, warnings } = await pair("garbage");
    assert.deepEqual(good, [0, 10, 20]);
    // The garbage call itself got no answer: only its own deadline ends it.
    assert.equal(((bad as PromiseRejectedResult).reason as { code: string }).code, ErrorCode.ChunkTimeout);
    assert.deepEqual(warnings, [
      `chalknb: the client dropped a frame of 7 bytes that it cannot read: malformed frame: header length 2147483647 does not fit in a frame of 7 bytes (queue ${url})`,
    ]);
  });
});
