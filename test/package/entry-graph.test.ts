import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/paths.js";

// Each entry point loads only what its users need: a script that imports Remote never loads the queue server, the
// Redis backend or ioredis. A child process records every module it loads (an ESM load hook, and CommonJS's cache),
// imports an entry by its package name, and prints what it saw.

/** Load hook: every URL the process loads, one per line, into the file named by the data it is registered with. */
const RECORDER = `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + "\\n"); return next(url, context); }
`;

const SERVER_SIDE = /\/dist\/queue\/(queue-server|backends\/[^/]+|http-api)\.js$|\/node_modules\/ioredis\//;

async function loadedBy(code: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "chalknb-graph-"));
  try {
    const hooks = join(dir, "recorder.mjs");
    const log = join(dir, "loaded.txt");
    await writeFile(hooks, RECORDER);
    await writeFile(log, "");
    const script = [
      'import { register, createRequire } from "node:module";',
      `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { file: ${JSON.stringify(log)} } });`,
      code,
      // CommonJS modules required by CommonJS ones never reach the ESM hook: the require cache has them.
      `const { appendFileSync } = await import("node:fs");`,
      `for (const path of Object.keys(createRequire(import.meta.url).cache)) appendFileSync(${JSON.stringify(log)}, "file://" + path + "\\n");`,
    ].join("\n");
    // From the repository root, "chalknb" resolves to this package itself through its exports map.
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot, timeout: 60_000 });
    return (await readFile(log, "utf8")).split("\n").filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const serverSide = (urls: string[]) => [...new Set(urls.filter((u) => SERVER_SIDE.test(u)).map((u) => u.replace(/^.*\/(dist|node_modules)\//, "$1/")))];

test('import { Remote, defineFunction, startWorker } from "chalknb" loads no queue server, Redis backend or ioredis', async () => {
  const urls = await loadedBy('const { Remote, defineFunction, startWorker } = await import("chalknb"); new Remote({ url: "ws://127.0.0.1:1" }); void defineFunction; void startWorker;');
  assert.ok(urls.some((u) => u.endsWith("/dist/index.js")));
  assert.deepEqual(serverSide(urls), []);
});

test('import { defineFunction } from "chalknb/worker" loads no queue server, Redis backend or ioredis', async () => {
  const urls = await loadedBy('const { defineFunction } = await import("chalknb/worker"); void defineFunction;');
  assert.ok(urls.some((u) => u.endsWith("/dist/worker.js")));
  assert.deepEqual(serverSide(urls), []);
});

test('"chalknb/queue" loads the server, and startQueue from "chalknb" loads it on its first call', async () => {
  const direct = await loadedBy('await import("chalknb/queue");');
  assert.ok(serverSide(direct).includes("dist/queue/queue-server.js"));
  assert.ok(direct.some((u) => u.includes("/node_modules/ioredis/")));
  const lazy = await loadedBy('const { startQueue } = await import("chalknb"); const queue = await startQueue({ port: 0 }); await queue.close();');
  assert.ok(serverSide(lazy).includes("dist/queue/queue-server.js"));
});
