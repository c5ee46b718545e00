import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { encodeFrame } from "../../protocol/frame-codec.js";
import { PROTOCOL_VERSION, type Message } from "../../protocol/messages.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";

const MiB = 1024 * 1024;

/** A raw protocol client: all-zero masks, so sending one big buffer many times copies nothing on this side. */
async function rawClient(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false, generateMask: (mask) => mask.fill(0) });
  socket.on("error", () => {}); // sends after the queue closed the socket fail; the close event is what is checked
  await once(socket, "open");
  return socket;
}

async function closeOf(socket: WebSocket): Promise<[number, string]> {
  if (socket.readyState === socket.CLOSED) throw new Error("already closed");
  const [code, reason] = (await once(socket, "close")) as [number, Buffer];
  return [code, reason.toString()];
}

const header = (message: Record<string, unknown>) => encodeFrame(message as unknown as Message);
const submitHeader = (bodyParts: number) =>
  header({ type: "submit", callId: "c", chunk: 0, function: "echo", rows: [0, 1], timeoutMs: null, bodyParts });

describe("limits before and after hello", () => {
  it("closes an unauthenticated socket that announces a detached body at its first part (1009), buffering none of it", async () => {
    const fixture = await startFixture({ token: "s3cret" });
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      const part = Buffer.alloc(8 * MiB, 7);
      const before = process.memoryUsage().arrayBuffers;
      // Four sockets, as in the issue (there with 32 MiB parts); each announces 4096 parts and starts sending them.
      const sockets = await Promise.all([1, 2, 3, 4].map(() => rawClient(fixture.queue.url)));
      const closes = sockets.map((socket) => closeOf(socket));
      for (const socket of sockets) {
        socket.send(submitHeader(4096));
        socket.send(part);
      }
      for (const close of closes) {
        assert.deepEqual(await close, [1009, "a detached body (bodyParts) before hello: nothing is buffered until the hello is accepted"]);
      }
      for (const socket of sockets) for (let i = 0; i < 4; i++) socket.send(part); // after the close: refused here, never read there
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.ok(grown < 24 * MiB, `array buffers grew by ${(grown / MiB).toFixed(1)} MiB while 4 sockets sent 8 MiB parts before hello`);
      const result = await fixture.remote.function("echo").chunkedCall(textTable(3), { chunkSize: 2 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1", "row 2"]);
    } finally {
      await fixture.close();
    }
  });

  it("closes a socket that sends more than maxPreLoginBytes before hello, and one whose hello carries a detached body", async () => {
    const fixture = await startFixture({ token: "s3cret" });
    try {
      const big = await rawClient(fixture.queue.url);
      const bigClosed = closeOf(big);
      big.send(Buffer.alloc(1 * MiB));
      assert.deepEqual(await bigClosed, [1009, "frame too big: more than 65536 bytes before hello (maxPreLoginBytes); send a hello without a body first"]);

      const helloWithBody = await rawClient(fixture.queue.url);
      const helloClosed = closeOf(helloWithBody);
      helloWithBody.send(header({ type: "hello", protocolVersion: PROTOCOL_VERSION, role: "client", token: "s3cret", bodyParts: 1 }));
      assert.deepEqual(await helloClosed, [1009, "a detached body (bodyParts) before hello: nothing is buffered until the hello is accepted"]);
    } finally {
      await fixture.close();
    }
  });

  it("after hello, bounds a detached body's parts and their bytes together (maxFrameBytes), and keeps serving others", async () => {
    const fixture = await startFixture({ maxFrameBytes: 1 * MiB });
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      const login = async () => {
        const socket = await rawClient(fixture.queue.url);
        socket.send(header({ type: "hello", protocolVersion: PROTOCOL_VERSION, role: "client" }));
        await once(socket, "message");
        return socket;
      };
      const tooManyParts = await login();
      const partsClosed = closeOf(tooManyParts);
      tooManyParts.send(submitHeader(4097));
      assert.deepEqual(await partsClosed, [1007, "malformed frame: bodyParts must be an integer from 1 to 4096 on a header without an inline body, got 4097"]);

      const tooManyBytes = await login();
      const bytesClosed = closeOf(tooManyBytes);
      tooManyBytes.send(submitHeader(3));
      for (let i = 0; i < 3; i++) tooManyBytes.send(Buffer.alloc(MiB / 2));
      assert.deepEqual(await bytesClosed, [1009, "frame too big: a detached body of more than 1048576 bytes (maxFrameBytes); send smaller chunks"]);

      const result = await fixture.remote.function("echo").chunkedCall(textTable(2), { chunkSize: 1 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1"]);
    } finally {
      await fixture.close();
    }
  });
});
