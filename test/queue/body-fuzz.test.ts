import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { startQueue } from "../../queue/index.js";
import { Remote } from "../../sdk/index.js";
import { decodeRows } from "../../protocol/arrow-ipc.js";
import { ErrorCode } from "../../protocol/errors.js";
import { encodeFrame, FrameReader, type Frame } from "../../protocol/frame-codec.js";
import { PROTOCOL_VERSION, type Message } from "../../protocol/messages.js";
import { mutate, sampleBodies, seededRandom } from "../helpers/ipc-bodies.js";
import { textTable, resultValues } from "../helpers/queue-fixture.js";
import { startWorkerProcess } from "../redis/processes.js";

// CI runs a bounded pass with a fixed seed; `npm run fuzz` raises the bounds (and CHALKNB_FUZZ_SEED picks another seed).
const SEED = Number(process.env.CHALKNB_FUZZ_SEED ?? 9);
const ITERATIONS = Number(process.env.CHALKNB_FUZZ_ITERATIONS ?? 3000);
const SECONDS = Number(process.env.CHALKNB_FUZZ_SECONDS ?? 12);
/** A reply slower than this means something stalled (a decode took seconds before issue 9); not a speed target. */
const STALL_MS = 10_000;

/** A raw client: submits bodies exactly as given and hands back each call's final reply (result or error). */
async function rawClient(url: string) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await once(socket, "open");
  const reader = new FrameReader();
  const waiting = new Map<string, (frame: Frame) => void>();
  socket.on("message", (data: Buffer) => {
    const frame = reader.read(data);
    const callId = (frame?.header as { callId?: string } | undefined)?.callId;
    if (frame && callId && (frame.header.type === "result" || frame.header.type === "error")) waiting.get(callId)?.(frame);
  });
  socket.send(encodeFrame({ type: "hello", protocolVersion: PROTOCOL_VERSION, role: "client" }));
  await once(socket, "message");
  return {
    submit(callId: string, rows: number, body: Uint8Array): Promise<Frame> {
      return new Promise<Frame>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${callId} within ${STALL_MS} ms`)), STALL_MS);
        waiting.set(callId, (frame) => {
          clearTimeout(timer);
          waiting.delete(callId);
          resolve(frame);
        });
        socket.send(encodeFrame({ type: "submit", callId, chunk: 0, function: "shout", rows: [0, rows], timeoutMs: 60_000 } as Message, body));
      });
    },
    close: () => socket.close(),
  };
}

/** What a correct queue must answer for this body: the shouted texts, or (for a body it cannot use) an error. */
function expectedReply(bytes: Uint8Array, rows: number): { texts: string[] } | { error: "refused" | "any" } {
  let table: ReturnType<typeof decodeRows>;
  try {
    table = decodeRows(bytes);
  } catch {
    return { error: "refused" };
  }
  const column = table.getChild("text");
  const values = column ? [...column] : [];
  if (!column || table.numRows !== rows || !values.every((v) => typeof v === "string")) return { error: "any" };
  return { texts: (values as string[]).map((t) => t.toUpperCase()) };
}

describe("submit bodies, fuzzed through a real queue and a real worker process", () => {
  it("each mutated body gets an error or a correct result; /healthz and another client keep working",
    { timeout: (SECONDS + 120) * 1000 }, async (t) => {
      const queue = await startQueue();
      const worker = await startWorkerProcess(queue.url, ["test/fixtures/functions/shout.ts"]);
      const client = await rawClient(queue.url);
      const other = new Remote({ url: queue.url });
      const random = seededRandom(SEED);
      const bodies = sampleBodies().filter((b) => b.name !== "empty");
      const counts = { refused: 0, results: 0, otherErrors: 0 };
      const started = Date.now();
      try {
        for (let i = 0; i < ITERATIONS && Date.now() - started < SECONDS * 1000; i++) {
          const source = bodies[Math.floor(random() * bodies.length)];
          const rows = decodeRows(source.bytes).numRows;
          const { bytes, what } = mutate(source.bytes, random);
          const where = `${source.name}, ${what} (seed ${SEED}, iteration ${i})`;
          const expected = expectedReply(bytes, rows);
          const reply = await client.submit(`fuzz-${i}`, rows, bytes);
          const header = reply.header as Message & { code?: string; message?: string };
          if ("texts" in expected) {
            assert.equal(header.type, "result", `${where}: ${header.message}`);
            assert.deepEqual(resultValues(decodeRows(reply.body)), expected.texts, where);
            counts.results += 1;
          } else if (expected.error === "refused") {
            assert.equal(header.code, ErrorCode.MalformedFrame, `${where}: ${header.message}`);
            assert.match(header.message!, new RegExp(`^chunk 0 of call fuzz-${i}: the body is not an Arrow IPC stream \\(`), where);
            counts.refused += 1;
          } else {
            assert.equal(header.type, "error", where);
            counts.otherErrors += 1;
          }
          if (i % 50 === 0) {
            const health = await fetch(`${queue.httpUrl}/healthz`);
            assert.equal(health.status, 200);
            const result = await other.function("shout").chunkedCall(textTable(2), { chunkSize: 2, timeout: STALL_MS / 1000 });
            assert.deepEqual(resultValues(result), ["ROW 0", "ROW 1"]);
          }
        }
        t.diagnostic(`seed ${SEED}: ${counts.refused} refused at the queue, ${counts.results} correct results, ${counts.otherErrors} other errors`);
        assert.ok(counts.refused > 0 && counts.results > 0, `refused ${counts.refused}, correct results ${counts.results}`);
      } finally {
        client.close();
        other.close();
        await worker.kill("SIGTERM");
        await queue.close();
      }
    });
});
