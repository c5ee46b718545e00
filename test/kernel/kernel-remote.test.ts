import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KernelClient } from "../../kernel/client.js";
import type { KernelOutput } from "../../kernel/messages.js";
import type { CallProgress } from "../../protocol/progress.js";

// A real kernel whose cells call real functions through the embedded default queue (functions/*.ts next to the
// "notebook"). The folder lives inside the repository so the function files' `import ... from "chalknb"` resolves.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let dir: string;
let kernel: KernelClient;

const FUNCTIONS = `import { defineFunction } from "chalknb";
export const double = defineFunction({ name: "double", maxBatchingSize: 2, maxBufferDuration: 5 }, async (x: number[]) => x.map((v) => v * 2));
// Never answers: a call to it stays pending until it is cancelled.
export const hang = defineFunction({ name: "hang", maxBatchingSize: 1, maxBufferDuration: 5 }, (x: number[]) => new Promise<number[]>(() => void x));
`;

before(async () => {
  await mkdir(path.join(repoRoot, "test-artifacts"), { recursive: true });
  dir = await mkdtemp(path.join(repoRoot, "test-artifacts", "kernel-remote-"));
  await mkdir(path.join(dir, "functions"));
  await writeFile(path.join(dir, "functions", "test-functions.ts"), FUNCTIONS);
  kernel = await KernelClient.start({ cwd: dir, env: { CHALKNB_QUEUE_URL: undefined, CHALKNB_TOKEN: undefined } });
});

after(async () => {
  await kernel?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

function progressOf(output: KernelOutput | undefined): CallProgress | undefined {
  if (!output || (output.output_type !== "display_data" && output.output_type !== "update_display_data")) return undefined;
  return output.data["application/vnd.chalknb.progress+json"] as CallProgress | undefined;
}

test("chunkedCall() in a cell shows its progress as a display updated in place, ending in the final state", async () => {
  const live: string[] = [];
  const result = await kernel.execute(
    'const remote = new Remote()\nconst double = remote.function("double")\nconst out = await double.chunkedCall(tableFromArrays({ x: Float64Array.from([1, 2, 3, 4, 5, 6]) }), { chunkSize: 2, concurrentChunks: 2 })\nArray.from(out.getChild("result")!)',
    { onOutput: (o) => live.push(o.output_type) },
  );
  assert.equal(result.status, "ok", JSON.stringify(result.error));
  assert.equal(live[0], "display_data");
  assert.equal(live[live.length - 1], "execute_result");
  assert.equal(result.outputs.length, 2);
  const progress = progressOf(result.outputs[0]);
  assert.ok(progress);
  assert.equal(progress.state, "done");
  assert.equal(progress.functionName, "double");
  assert.equal(progress.rowsDone, 6);
  assert.deepEqual(progress.chunks.map((c) => [c.index, c.rows, c.state]), [[0, [0, 2], "done"], [1, [2, 4], "done"], [2, [4, 6], "done"]]);
  assert.equal((result.outputs[0] as { data: Record<string, unknown> }).data["text/plain"], "double: 6/6 rows (100%) · chunks 3 done · " + `${Math.round(progress.rowsPerSecond)} rows/s · done`);
  assert.deepEqual((result.outputs[1] as { data: Record<string, unknown> }).data, { "text/plain": "[ 2, 4, 6, 8, 10, 12 ]" });
});

test("interrupt() cancels a cell's pending remote call: the cell ends with InterruptError and the queue drops its rows", async () => {
  let interrupt: Promise<string> | undefined;
  const result = await kernel.execute(
    'const hang = new Remote().function("hang")\nawait hang.chunkedCall(tableFromArrays({ x: Float64Array.from([1, 2, 3]) }), { chunkSize: 1, concurrentChunks: 1 })',
    {
      onOutput: (o) => {
        if (progressOf(o) && !interrupt) interrupt = kernel.interrupt();
      },
    },
  );
  assert.equal(await interrupt, "interrupted");
  assert.equal(result.status, "error");
  assert.deepEqual([result.error?.ename, result.error?.evalue], ["InterruptError", "Interrupted (cancelled 1 remote call)"]);
  assert.deepEqual(result.error?.traceback, ["InterruptError: Interrupted (cancelled 1 remote call)"], "no kernel-internal frames");
  const progress = progressOf(result.outputs.find((o) => progressOf(o)));
  assert.equal(progress?.state, "cancelled");
  const info = await kernel.execute('(await new Remote().functions()).find((f) => f.name === "hang")!.bufferedRows');
  assert.deepEqual((info.outputs[0] as { data: Record<string, unknown> }).data, { "text/plain": "0" });
});

test("queueInfo() names the embedded queue a cell's Remote started, with its token, so a dashboard can watch it", async () => {
  await kernel.execute('await new Remote().function("double").chunkedCall(tableFromArrays({ x: Float64Array.from([1]) }), { chunkSize: 1 })');
  const { urls, queues } = await kernel.queueInfo();
  assert.equal(urls.length, 1);
  assert.match(urls[0]!, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(queues[0]!.url, urls[0]);
  const http = urls[0]!.replace("ws://", "http://");
  // Loopback or not, the embedded queue wants its random token: no other local user can join it.
  assert.equal((await fetch(`${http}/v1/functions`)).status, 401);
  const response = await fetch(`${http}/v1/functions`, { headers: { authorization: `Bearer ${queues[0]!.token}` } });
  const body = (await response.json()) as { functions: Array<{ name: string }> };
  assert.deepEqual(body.functions.map((f) => f.name).sort(), ["double", "hang"]);
});
