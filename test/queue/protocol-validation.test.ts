import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { decodeFrame, encodeFrame } from "../../protocol/frame-codec.js";
import { ErrorCode } from "../../protocol/errors.js";
import { PROTOCOL_VERSION, type ErrorMessage } from "../../protocol/messages.js";
import { functionNameProblem } from "../../protocol/function-name.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";

describe("the queue checks what raw peers send", () => {
  it("refuses a raw worker registering a name defineFunction forbids; it never reaches /v1/functions or /metrics", async () => {
    const fixture = await startFixture();
    try {
      for (const name of ['evil"} 1\nchalknb_up', "__proto__"]) {
        const socket = new WebSocket(fixture.queue.url);
        await once(socket, "open");
        socket.send(encodeFrame({
          type: "hello", protocolVersion: PROTOCOL_VERSION, role: "worker",
          functions: [{ name, maxBatchingSize: 1, maxBufferDuration: 0, retries: 0, inputs: ["text"] }],
        }));
        const [data] = (await once(socket, "message")) as [Buffer];
        const reply = decodeFrame(data).header as ErrorMessage;
        assert.equal(reply.code, ErrorCode.MalformedFrame);
        assert.equal(reply.message, `malformed frame: hello.functions[0].${functionNameProblem(name)}`);
        const [code] = (await once(socket, "close")) as [number];
        assert.equal(code, 1007);
      }
      assert.deepEqual(await fixture.remote.functions(), []);
      assert.doesNotMatch(await (await fetch(`${fixture.queue.httpUrl}/metrics`)).text(), /evil|__proto__/);
    } finally {
      await fixture.close();
    }
  });

  it("answers a 1,000,000-character function name with a bounded unknown-function error; the Remote's other calls complete", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      const huge = "f".repeat(1_000_000); // the reply once echoed it whole: a header over the 1 MiB a client reads
      const [bad, good] = await Promise.allSettled([
        fixture.remote.function(huge).chunkedCall(textTable(1), { chunkSize: 1 }),
        fixture.remote.function("echo").chunkedCall(textTable(3), { chunkSize: 1 }),
      ]);
      assert.equal(bad.status, "rejected");
      assert.equal((bad as PromiseRejectedResult).reason.code, ErrorCode.UnknownFunction);
      assert.equal((bad as PromiseRejectedResult).reason.message,
        `no function named "${"f".repeat(100)}…" (1000000 characters) is registered with this queue (registered: "echo"); start a worker that serves it: chalknb worker <file.ts>`);
      assert.equal(good.status, "fulfilled");
      assert.deepEqual(resultValues((good as PromiseFulfilledResult<Parameters<typeof resultValues>[0]>).value), ["row 0", "row 1", "row 2"]);
    } finally {
      await fixture.close();
    }
  });
});
