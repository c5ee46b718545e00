import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import { Remote } from "../../sdk/index.js";
import { ensureEmbedded, shutdownEmbedded } from "../../sdk/embedded-default.js";
import { createHttpHandler } from "../../queue/http-api.js";
import type { QueueBackend } from "../../queue/backend.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";
import { chalknbBin, fixtureFunctions, repoRoot } from "../helpers/paths.js";

/** Request targets that `new URL(target, base)` throws on: each one used to end the queue (issue 9, defect 1). */
const BAD_TARGETS = ["//", "//[", "/\\", "//a:b"];

/** One raw HTTP/1.1 request over a plain TCP socket (so the target reaches the server exactly as written). */
async function rawRequest(port: number, target: string, headers: string[] = []): Promise<{ status: number; body: string }> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write([`GET ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...headers, "", ""].join("\r\n"));
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const [head, ...rest] = text.split("\r\n\r\n");
  return { status, body: /^transfer-encoding: chunked$/im.test(head) ? dechunk(rest.join("\r\n\r\n")) : rest.join("\r\n\r\n") };
}

/** A chunked HTTP/1.1 body's data (the server streams its answers without a content-length). */
function dechunk(body: string): string {
  let data = "";
  for (let at = 0; ;) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!size) return data;
    data += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

async function healthz(port: number): Promise<{ status: number; body: string }> {
  return rawRequest(port, "/healthz");
}

describe("HTTP API hardening", () => {
  it("answers malformed request targets with 400 and keeps serving, without a token", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      for (const target of BAD_TARGETS) {
        const { status, body } = await rawRequest(fixture.queue.port, target);
        assert.equal(status, 400, `GET ${target}`);
        assert.deepEqual(JSON.parse(body), { error: `bad request target ${JSON.stringify(target)}: expected a path such as /v1/functions, /metrics or /healthz` });
      }
      assert.deepEqual(await healthz(fixture.queue.port), { status: 200, body: "ok\n" });
      const result = await fixture.remote.function("echo").chunkedCall(textTable(3), { chunkSize: 2 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1", "row 2"]);
    } finally {
      await fixture.close();
    }
  });

  it("checks the token before reading the target: 401 without it, 400 with it, and keeps serving", async () => {
    const fixture = await startFixture({ token: "s3cret" });
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      for (const target of BAD_TARGETS) {
        const anonymous = await rawRequest(fixture.queue.port, target);
        assert.equal(anonymous.status, 401, `GET ${target} without a token`);
        assert.deepEqual(JSON.parse(anonymous.body), { error: "unauthorized: send the queue token as 'Authorization: Bearer <token>'" });
        assert.equal((await rawRequest(fixture.queue.port, target, ["Authorization: Bearer s3cret"])).status, 400, `GET ${target} with the token`);
      }
      assert.equal((await rawRequest(fixture.queue.port, "/healthz", ["Authorization: Bearer s3cret"])).status, 200);
      assert.equal((await rawRequest(fixture.queue.port, "/nowhere?x=1", ["Authorization: Bearer s3cret"])).body,
        JSON.stringify({ error: 'no route "/nowhere"; try /v1/functions, /v1/calls, /metrics or /healthz' }));
      const result = await fixture.remote.function("echo").chunkedCall(textTable(2), { chunkSize: 2 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1"]);
    } finally {
      await fixture.close();
    }
  });

  it("turns a handler that throws into a 500 and a log line, and keeps serving", async () => {
    const lines: string[] = [];
    const core = { functions: () => { throw new Error("the registry is gone"); }, workerCount: () => 0 } as unknown as QueueBackend;
    const server = createServer(createHttpHandler(core, undefined, (line) => lines.push(line)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { status, body } = await rawRequest(port, "/v1/functions");
      assert.equal(status, 500);
      assert.deepEqual(JSON.parse(body), { error: "internal error; the queue logged it" });
      assert.equal(lines.length, 1);
      assert.match(lines[0], /^chalknb queue: HTTP GET "\/v1\/functions" failed: Error: the registry is gone\n/);
      assert.deepEqual(await healthz(port), { status: 200, body: "ok\n" });
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it("chalknb queue (a real process, with and without --token) survives the requests that used to end it", async () => {
    for (const token of [undefined, "s3cret"]) {
      const child = spawn(process.execPath, [chalknbBin, "queue", "--port", "0", ...(token ? ["--token", token] : [])], {
        cwd: repoRoot, env: { ...process.env, CHALKNB_TOKEN: "" }, stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
      try {
        const [firstLine] = (await once(child.stdout!, "data")) as [Buffer];
        const url = firstLine.toString().trim();
        const port = Number(/:(\d+)$/.exec(url)?.[1]);
        const auth = token ? [`Authorization: Bearer ${token}`] : [];
        for (const target of BAD_TARGETS) {
          if (token) assert.equal((await rawRequest(port, target)).status, 401);
          assert.equal((await rawRequest(port, target, auth)).status, 400);
        }
        assert.equal((await rawRequest(port, "/healthz", auth)).status, 200);
        assert.deepEqual(await new Remote({ url, token }).functions(), []);
        assert.equal(child.exitCode, null, `the queue exited; stderr:\n${stderr}`);
        assert.doesNotMatch(stderr, /unhandled rejection/);
      } finally {
        child.kill();
        await once(child, "exit").catch(() => undefined);
      }
    }
  });

  it("the embedded queue survives them too, and the notebook's next call still works", async () => {
    // The embedded queue and the SDK's sockets are unref'd (a script exits when its work is done); this test waits on them.
    const keepAlive = setInterval(() => {}, 1000);
    const embedded = await ensureEmbedded([fixtureFunctions("shout.ts")]);
    try {
      const port = Number(/:(\d+)$/.exec(embedded.httpUrl)?.[1]);
      for (const target of BAD_TARGETS) {
        assert.equal((await rawRequest(port, target)).status, 401);
        assert.equal((await rawRequest(port, target, [`Authorization: Bearer ${embedded.token}`])).status, 400);
      }
      const remote = new Remote({ url: embedded.url, token: embedded.token });
      try {
        const result = await remote.function("shout").chunkedCall(textTable(2, "x"), { chunkSize: 1 });
        assert.deepEqual(resultValues(result), ["X 0", "X 1"]);
      } finally {
        remote.close();
      }
      assert.equal(embedded.child.exitCode, null);
    } finally {
      await shutdownEmbedded();
      clearInterval(keepAlive);
    }
  });

  it("the queue processes' guard logs an unhandled rejection and keeps the process running", async () => {
    const guard = new URL("../../queue/process-guard.js", import.meta.url).href;
    const script = [
      `const { guardQueueProcess } = await import(${JSON.stringify(guard)});`,
      `guardQueueProcess("test queue");`,
      `Promise.reject(new Error("nobody awaited this"));`,
      `setTimeout(() => process.stdout.write("still serving"), 50);`,
    ].join("\n");
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
    const [code] = (await once(child, "exit")) as [number];
    assert.equal(code, 0);
    assert.equal(stdout, "still serving");
    assert.match(stderr, /^test queue: unhandled rejection \(logged; still serving\): Error: nobody awaited this\n/);
  });
});
