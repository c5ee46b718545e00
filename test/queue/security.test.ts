import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { startQueue } from "../../queue/index.js";
import { Remote } from "../../sdk/index.js";
import { encodeFrame } from "../../protocol/frame-codec.js";
import { ErrorCode } from "../../protocol/errors.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";

async function closeOf(socket: WebSocket): Promise<[number, string]> {
  const [code, reason] = (await once(socket, "close")) as [number, Buffer];
  return [code, reason.toString()];
}

describe("security and bad frames", () => {
  it("refuses to listen beyond loopback without a token", async () => {
    await assert.rejects(startQueue({ host: "0.0.0.0" }), {
      code: ErrorCode.InvalidArgument,
      message: "refusing to listen on 0.0.0.0 without a token: pass --token <secret> (or token) so only your clients and workers can connect, or listen on 127.0.0.1",
    });
  });

  it("refuses clients without the token or with a wrong one, and serves the right one", async () => {
    const fixture = await startFixture({ token: "s3cret" });
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      const anonymous = new Remote({ url: fixture.queue.url, token: "" });
      await assert.rejects(anonymous.function("echo").chunkedCall(textTable(1), { chunkSize: 1 }), {
        code: ErrorCode.Unauthorized,
        message: `queue ${fixture.queue.url} refused the connection: unauthorized: this queue requires a token (--token, CHALKNB_TOKEN)`,
      });
      const wrong = new Remote({ url: fixture.queue.url, token: "guess" });
      await assert.rejects(wrong.function("echo").chunkedCall(textTable(1), { chunkSize: 1 }), { code: ErrorCode.Unauthorized });
      await assert.rejects(wrong.functions(), { code: ErrorCode.Unauthorized });
      const result = await fixture.remote.function("echo").chunkedCall(textTable(2), { chunkSize: 1 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1"]);
    } finally {
      await fixture.close();
    }
  });

  it("closes a connection that sends malformed frames with a clear reason and keeps serving others", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      const garbage = new WebSocket(fixture.queue.url);
      await once(garbage, "open");
      garbage.send(Buffer.from([9, 9]));
      assert.deepEqual(await closeOf(garbage), [1007, "malformed frame: expected at least 4 bytes (the header length), got 2"]);

      const text = new WebSocket(fixture.queue.url);
      await once(text, "open");
      text.send("hello?");
      assert.deepEqual(await closeOf(text), [1003, "malformed frame: text frames are not part of the protocol; send binary frames"]);

      const skipsHello = new WebSocket(fixture.queue.url);
      await once(skipsHello, "open");
      skipsHello.send(encodeFrame({ type: "cancel", callId: "x" }));
      assert.deepEqual(await closeOf(skipsHello), [4003, 'malformed frame: expected "hello" first, got "cancel"']);

      const oldVersion = new WebSocket(fixture.queue.url);
      await once(oldVersion, "open");
      oldVersion.send(encodeFrame({ type: "hello", protocolVersion: 0, role: "client" }));
      assert.deepEqual(await closeOf(oldVersion), [4002, "protocol version 0 is not supported (this queue speaks 1); use the same chalknb version on both sides"]);

      const result = await fixture.remote.function("echo").chunkedCall(textTable(3), { chunkSize: 2 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1", "row 2"]);
    } finally {
      await fixture.close();
    }
  });

});
