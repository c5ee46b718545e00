import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { ErrorCode } from "../../protocol/errors.js";
import { Remote } from "../../sdk/index.js";
import { resultValues, startFixture, textTable } from "../helpers/queue-fixture.js";
import { chalknbBin } from "../helpers/paths.js";

// Issue 9, defect 7: a call's timeout holds even when the queue stops answering. A real `chalknb queue` process is
// stopped with SIGSTOP: its sockets stay open (the kernel still accepts and ACKs), but nothing answers.
describe("client deadlines against a stopped queue", () => {
  let child: ChildProcess;
  let url: string;
  const remotes: Remote[] = [];
  const remote = (options: ConstructorParameters<typeof Remote>[0]) => {
    const r = new Remote({ url, ...options });
    remotes.push(r);
    return r;
  };

  before(async () => {
    const env = { ...process.env };
    delete env.CHALKNB_TOKEN;
    child = spawn(process.execPath, [chalknbBin, "queue", "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
    url = line.trim();
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  after(async () => {
    for (const r of remotes) r.close();
    child.kill("SIGCONT");
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  });

  /** A Remote whose connection is open (the queue answered it) before the queue is stopped. */
  async function connected(options: ConstructorParameters<typeof Remote>[0]): Promise<Remote> {
    const r = remote(options);
    await assert.rejects(r.function("missing").chunkedCall(textTable(1), { chunkSize: 10 }), { code: ErrorCode.UnknownFunction });
    return r;
  }

  it("a call with a timeout, pings off, fails with CHALKNB_CHUNK_TIMEOUT once the timeout and its margin pass", async () => {
    const r = await connected({ heartbeatInterval: 0, timeoutMargin: 0.05 });
    child.kill("SIGSTOP");
    try {
      await assert.rejects(r.function("missing").chunkedCall(textTable(3), { chunkSize: 10, timeout: 0.2 }), {
        name: "ChunkError",
        code: ErrorCode.ChunkTimeout,
        message: `chunk 0 (rows 0–2 (3 rows)) of function "missing": timed out after 0.2 s: the queue at ${url} did not answer ` +
          "within the timeout plus 0.05 s (timeoutMargin); it may be stopped, overloaded or unreachable",
      });
    } finally {
      child.kill("SIGCONT");
    }
  });

  it("a call with no timeout fails with CHALKNB_CONNECTION_LOST when two pings go unanswered", async () => {
    const r = await connected({ heartbeatInterval: 0.05 });
    child.kill("SIGSTOP");
    try {
      await assert.rejects(r.function("missing").chunkedCall(textTable(1), { chunkSize: 10 }), {
        code: ErrorCode.ConnectionLost,
        message: `chunk 0 (row 0) of function "missing": the connection to the function queue at ${url} was lost: ` +
          "no answer to 2 pings in 0.1 s (the queue process may be stopped or its host unreachable)",
      });
    } finally {
      child.kill("SIGCONT");
    }
    // The Remote reconnects for the next call once the queue answers again.
    await assert.rejects(r.function("missing").chunkedCall(textTable(1), { chunkSize: 10 }), { code: ErrorCode.UnknownFunction });
  });

  it("a new Remote fails with CHALKNB_NOT_CONNECTED naming the URL and connectTimeout", async () => {
    child.kill("SIGSTOP");
    try {
      const r = remote({ connectTimeout: 0.2 });
      await assert.rejects(r.function("missing").chunkedCall(textTable(1), { chunkSize: 10, timeout: 60 }), {
        name: "ConnectionError",
        code: ErrorCode.NotConnected,
        message: `cannot connect to the function queue at ${url}: no welcome within 0.2 s (connectTimeout); ` +
          "is `chalknb queue` running and responsive there?",
      });
    } finally {
      child.kill("SIGCONT");
    }
  });
});

describe("client deadlines against a queue that answers", () => {
  it("pings never fail a call that runs for many intervals while the queue answers them", async () => {
    const fixture = await startFixture();
    try {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await fixture.worker({ name: "held", maxBatchingSize: 10, maxBufferDuration: 1 }, async (text: string[]) => {
        started();
        await gate;
        return text;
      });
      const r = new Remote({ url: fixture.queue.url, heartbeatInterval: 0.01 });
      const call = r.function("held").chunkedCall(textTable(2), { chunkSize: 2 });
      await running;
      // Far more than two intervals pass with the chunk pending; the queue answers every ping.
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      assert.deepEqual(resultValues(await call), ["row 0", "row 1"]);
      r.close();
    } finally {
      await fixture.close();
    }
  });
});

describe("connection options", () => {
  it("new Remote() refuses a bad connectTimeout, heartbeatInterval or timeoutMargin with the option's name", () => {
    assert.throws(() => new Remote({ url: "ws://127.0.0.1:1", connectTimeout: 0 }), {
      code: ErrorCode.InvalidArgument,
      message: "new Remote({ connectTimeout }): expected seconds > 0 and at most 2147483, got 0 (default 10)",
    });
    assert.throws(() => new Remote({ url: "ws://127.0.0.1:1", heartbeatInterval: -1 }), {
      message: "new Remote({ heartbeatInterval }): expected seconds >= 0 and at most 2147483, got -1 (default 15)",
    });
    assert.throws(() => new Remote({ url: "ws://127.0.0.1:1", timeoutMargin: "2" as unknown as number }), {
      message: 'new Remote({ timeoutMargin }): expected seconds >= 0 and at most 2147483, got "2" (default 2)',
    });
  });
});
